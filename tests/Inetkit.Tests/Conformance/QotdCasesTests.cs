using System.Net;
using System.Net.Sockets;
using System.Text;
using Inetkit.Conformance;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Conformance;

/// <summary>Each qotd case against a server with exactly its defect.</summary>
public sealed class QotdCasesTests
{
    private static readonly CheckOptions Options = new() { Timeout = TimeSpan.FromMilliseconds(400), Retries = 1 };

    private static readonly byte[] Quote = "A short quote.\r\n"u8.ToArray();

    private static Task<Dictionary<string, CaseResult>> CheckAsync(IPEndPoint server) => ConformanceChecks.RunAsync(server, ServiceKind.Qotd, Options, Transport.Tcp, Transport.Udp);

    [Fact]
    public async Task AQuoteOf600Bytes_WarnsOnLengthOnBothTransports()
    {
        byte[] Long() => Encoding.ASCII.GetBytes(new string('q', 598) + "\r\n");
        await using var server = new DefectServer(Long, _ => Long());

        Dictionary<string, CaseResult> results = await CheckAsync(server.EndPoint);

        ConformanceChecks.OnlyThese(results, Verdict.Warn, "qotd/tcp/under-512-characters", "qotd/udp/under-512-characters");
        Assert.Equal("600 bytes", results["qotd/udp/under-512-characters"].Got);
    }

    [Fact]
    public async Task AQuoteInUtf8_WarnsOnTheCharacters_NamingTheByte()
    {
        byte[] Accented() => Encoding.UTF8.GetBytes("Un café, s'il vous plaît.\r\n");
        await using var server = new DefectServer(Accented, _ => Accented());

        Dictionary<string, CaseResult> results = await CheckAsync(server.EndPoint);

        ConformanceChecks.OnlyThese(results, Verdict.Warn, "qotd/tcp/printable-ascii", "qotd/udp/printable-ascii");
        Assert.Equal("0xC3 at offset 6 (not ASCII: UTF-8 or another encoding)", results["qotd/tcp/printable-ascii"].Got);
    }

    [Fact]
    public async Task AServerThatKeepsTheConnectionOpen_FailsTheCloseCases()
    {
        await using var server = DefectServer.Tcp(async (client, ct) =>
        {
            await client.SendAsync(Quote, SocketFlags.None, ct);
            await Task.Delay(Timeout.Infinite, ct);
        });

        ServiceCheck check = await ConformanceRunner.RunAsync(server.EndPoint, ServiceKind.Qotd, Transport.Tcp, ConformanceSuite.All, Options, TestContext.Current.CancellationToken);

        Dictionary<string, CaseResult> results = check.Results.ToDictionary(r => r.Case.Id);
        ConformanceChecks.OnlyThese(results, Verdict.Fail, "qotd/tcp/one-message-then-close", "qotd/tcp/input-ignored");
        Assert.Equal("16 bytes, then nothing within 400 ms: the server did not close after its message", results["qotd/tcp/one-message-then-close"].Got);
    }

    [Fact]
    public async Task NoAnswerToAnEmptyDatagram_FailsThatCaseOnly()
    {
        await using var server = new DefectServer(() => Quote, request => request.Length == 0 ? null : Quote);

        Dictionary<string, CaseResult> results = await CheckAsync(server.EndPoint);

        ConformanceChecks.OnlyThese(results, Verdict.Fail, "qotd/udp/empty-datagram");
    }

    [Fact]
    public async Task AnswersOnlyTheEmptyDatagram_FailsAnyDatagram()
    {
        await using var server = new DefectServer(() => Quote, request => request.Length == 0 ? Quote : null);

        Dictionary<string, CaseResult> results = await ConformanceChecks.RunAsync(server.EndPoint, ServiceKind.Qotd, Options,
            ConformanceSuite.Matching("qotd/udp/*").Where(c => c.Id is "qotd/udp/any-datagram" or "qotd/udp/empty-datagram"), Transport.Udp);

        Assert.Equal((Verdict.Fail, "no reply within 400 ms, 2 datagrams sent"), (results["qotd/udp/any-datagram"].Verdict, results["qotd/udp/any-datagram"].Got));
        Assert.Equal(Verdict.Pass, results["qotd/udp/empty-datagram"].Verdict);
    }
}
