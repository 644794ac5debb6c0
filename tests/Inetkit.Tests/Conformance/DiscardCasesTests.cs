using System.Net;
using System.Net.Sockets;
using Inetkit.Conformance;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Conformance;

/// <summary>Each discard case against a server with exactly its defect.</summary>
public sealed class DiscardCasesTests
{
    private static readonly CheckOptions Options = new() { Timeout = TimeSpan.FromMilliseconds(500), Retries = 1 };

    private static Task<Dictionary<string, CaseResult>> CheckAsync(IPEndPoint server) => ConformanceChecks.RunAsync(server, ServiceKind.Discard, Options, Transport.Tcp, Transport.Udp);

    [Fact]
    public async Task ADiscardThatAnswers_FailsNothingBack_OnBothTransports()
    {
        await using var tcp = DefectServer.Tcp(ConformanceChecks.Reader(echoLimit: long.MaxValue));
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
        await using var server = DefectServer.Tcp(ConformanceChecks.Reader(echoLimit: 0, closeAtEof: false));

        ServiceCheck check = await ConformanceRunner.RunAsync(server.EndPoint, ServiceKind.Discard, Transport.Tcp, ConformanceSuite.All, Options, TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Pass, check.Results.Single(r => r.Case.Id == "discard/tcp/1mib-nothing-back").Verdict);
        CaseResult closes = check.Results.Single(r => r.Case.Id == "discard/tcp/closes-after-half-close");
        Assert.Equal((Verdict.Warn, "it did not close within 500 ms of our half-close (or reset the connection)"), (closes.Verdict, closes.Got));
    }
}
