using System.Net;
using System.Net.Sockets;
using Inetkit.Conformance;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Conformance;

/// <summary>Each echo/tcp case against a server with exactly its defect.</summary>
public sealed class EchoStreamCasesTests
{
    private static readonly CheckOptions Options = new() { Timeout = TimeSpan.FromMilliseconds(500), Retries = 1 };

    private static Task<Dictionary<string, CaseResult>> CheckTcpAsync(IPEndPoint server) => ConformanceChecks.RunAsync(server, ServiceKind.Echo, Options, Transport.Tcp);

    [Fact]
    public async Task AnEchoThatStopsAfter64KB_FailsTheLargeCases_WithWhereItStopped()
    {
        await using var server = DefectServer.Tcp(ConformanceChecks.Reader(echoLimit: 65536));

        Dictionary<string, CaseResult> results = await CheckTcpAsync(server.EndPoint);

        Assert.Equal(Verdict.Fail, results["echo/tcp/1mib-small-pieces"].Verdict);
        Assert.Equal("65,536 bytes where 1,048,576 were expected: the first 65,536 match, then nothing more came (then nothing within 500 ms)", results["echo/tcp/1mib-large-pieces"].Got);
        Assert.Equal(Verdict.Fail, results["echo/tcp/half-close"].Verdict);
        Assert.Equal(Verdict.Pass, results["echo/tcp/one-byte"].Verdict);
        Assert.Equal(Verdict.Pass, results["echo/tcp/line"].Verdict);
    }

    [Fact]
    public async Task AnEchoThatNeverCloses_FailsTheHalfCloseCaseOnly()
    {
        await using var server = DefectServer.Tcp(ConformanceChecks.Reader(echoLimit: long.MaxValue, closeAtEof: false));

        Dictionary<string, CaseResult> results = await CheckTcpAsync(server.EndPoint);

        Assert.Equal((Verdict.Fail, "all 262,144 bytes back, but then nothing within 500 ms: the server did not close after our half-close"), (results["echo/tcp/half-close"].Verdict, results["echo/tcp/half-close"].Got));
        Assert.All(results.Values.Where(r => r.Case.Id != "echo/tcp/half-close"), r => Assert.Equal(Verdict.Pass, r.Verdict));
    }

    [Fact]
    public async Task AnEchoThatClosesAfterItsFirstRead_FailsWhatNeedsMore()
    {
        await using var server = DefectServer.Tcp(async (client, ct) =>
        {
            byte[] buffer = new byte[16384];
            int read = await client.ReceiveAsync(buffer, SocketFlags.None, ct);
            await client.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, ct);
        });

        Dictionary<string, CaseResult> results = await CheckTcpAsync(server.EndPoint);

        Assert.Equal(Verdict.Pass, results["echo/tcp/one-byte"].Verdict);
        Assert.Equal(Verdict.Fail, results["echo/tcp/1mib-large-pieces"].Verdict);
        Assert.EndsWith(")", results["echo/tcp/1mib-large-pieces"].Got, StringComparison.Ordinal);
    }
}
