using System.Net;
using System.Net.Sockets;
using Inetkit.Conformance;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Conformance;

/// <summary>Each discard case against a server with exactly its defect, and Inetkit's own passing them all.</summary>
public sealed class DiscardCasesTests
{
    private static readonly CheckOptions Options = new() { Timeout = TimeSpan.FromMilliseconds(500), Retries = 1 };

    private static async Task<Dictionary<string, CaseResult>> CheckAsync(IPEndPoint server)
    {
        var results = new Dictionary<string, CaseResult>();
        foreach (Transport transport in new[] { Transport.Tcp, Transport.Udp })
        {
            ServiceCheck check = await ConformanceRunner.RunAsync(server, ServiceKind.Discard, transport, ConformanceSuite.All, Options, TestContext.Current.CancellationToken);
            foreach (CaseResult result in check.Results)
            {
                results[result.Case.Id] = result;
            }
        }
        return results;
    }

    /// <summary>Reads until the client's FIN, sending back <paramref name="echo"/> bytes of each read; then stays open if told to.</summary>
    private static Func<Socket, CancellationToken, Task> Reader(bool echo, bool closeAtEof) => async (client, ct) =>
    {
        byte[] buffer = new byte[65536];
        int read;
        while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
        {
            if (echo)
            {
                await client.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, ct);
            }
        }
        if (!closeAtEof)
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
    };

    [Fact]
    public async Task InetkitsOwnDiscard_PassesEveryCase()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Discard);

        Dictionary<string, CaseResult> results = await CheckAsync(server.EndPoint(ServiceKind.Discard, Transport.Tcp));

        Assert.Equal(ConformanceSuite.Matching("discard/*").Select(c => c.Id).Order(), results.Keys.Order());
        Assert.All(results.Values, r => Assert.True(r.Verdict == Verdict.Pass, $"{r.Case.Id}: {r.Verdict}: {r.Got}"));
    }

    [Fact]
    public async Task ADiscardThatAnswers_FailsNothingBack_OnBothTransports()
    {
        await using var tcp = DefectServer.Tcp(Reader(echo: true, closeAtEof: true));
        await using var udp = new DefectServer(tcp: null, udp: request => request);

        ServiceCheck overTcp = await ConformanceRunner.RunAsync(tcp.EndPoint, ServiceKind.Discard, Transport.Tcp, ConformanceSuite.All, Options, TestContext.Current.CancellationToken);
        ServiceCheck overUdp = await ConformanceRunner.RunAsync(udp.EndPoint, ServiceKind.Discard, Transport.Udp, ConformanceSuite.All, Options, TestContext.Current.CancellationToken);

        CaseResult tcpNothing = overTcp.Results.Single(r => r.Case.Id == "discard/tcp/1mib-nothing-back");
        Assert.Equal((Verdict.Fail, "1,048,576 bytes came back"), (tcpNothing.Verdict, tcpNothing.Got));
        Assert.Equal(Verdict.Pass, overTcp.Results.Single(r => r.Case.Id == "discard/tcp/closes-after-half-close").Verdict);
        Assert.Equal((Verdict.Fail, "a 12-byte reply"), (overUdp.Results[0].Verdict, overUdp.Results[0].Got));
    }

    [Fact]
    public async Task ADiscardThatNeverCloses_WarnsOnTheShouldCase_PassesTheMust()
    {
        await using var server = DefectServer.Tcp(Reader(echo: false, closeAtEof: false));

        ServiceCheck check = await ConformanceRunner.RunAsync(server.EndPoint, ServiceKind.Discard, Transport.Tcp, ConformanceSuite.All, Options, TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Pass, check.Results.Single(r => r.Case.Id == "discard/tcp/1mib-nothing-back").Verdict);
        CaseResult closes = check.Results.Single(r => r.Case.Id == "discard/tcp/closes-after-half-close");
        Assert.Equal((Verdict.Warn, "it did not close within 500 ms of our half-close (or reset the connection)"), (closes.Verdict, closes.Got));
    }
}
