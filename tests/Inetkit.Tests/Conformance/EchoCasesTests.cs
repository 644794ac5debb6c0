using System.Net;
using Inetkit.Conformance;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Conformance;

/// <summary>Each echo/udp case against a server with exactly its defect.</summary>
public sealed class EchoCasesTests
{
    private static readonly CheckOptions Options = new() { Timeout = TimeSpan.FromMilliseconds(300), Retries = 1 };

    private static Task<Dictionary<string, CaseResult>> CheckUdpAsync(IPEndPoint server) => ConformanceChecks.RunAsync(server, ServiceKind.Echo, Options, Transport.Udp);

    [Fact]
    public async Task TheSeedsRecvfrom4096_FailsEveryLargerDatagram_WithTheLengthReceived()
    {
        await using var server = new DefectServer(null, request => request[..Math.Min(request.Length, 4096)]);

        Dictionary<string, CaseResult> results = await CheckUdpAsync(server.EndPoint);

        foreach (int size in new[] { 4097, 8192, 65507 })
        {
            CaseResult result = results[$"echo/udp/datagram-{size}"];
            Assert.Equal(Verdict.Fail, result.Verdict);
            Assert.Equal($"4,096 bytes where {size:N0} were expected: the first 4,096 match, then nothing more came: a receive buffer of 4,096 bytes cuts larger datagrams (recvfrom(4096)); receive into 65,535", result.Got);
        }
        Assert.All(results.Values.Where(r => r.Case.Id is "echo/udp/datagram-1" or "echo/udp/datagram-512" or "echo/udp/datagram-1472" or "echo/udp/empty-datagram"), r => Assert.Equal(Verdict.Pass, r.Verdict));
    }

    [Fact]
    public async Task AChangedByte_FailsWithItsOffsetAndBothValues()
    {
        await using var server = new DefectServer(null, request =>
        {
            byte[] reply = [.. request];
            if (reply.Length > 300)
            {
                reply[300] ^= 0x20;
            }
            return reply;
        });

        Dictionary<string, CaseResult> results = await CheckUdpAsync(server.EndPoint);

        byte sent = EchoCases.Payload(512, 512)[300];
        Assert.Equal($"512 bytes where 512 were expected: first difference at offset 300, expected 0x{sent:X2}, got 0x{sent ^ 0x20:X2}", results["echo/udp/datagram-512"].Got);
        Assert.Equal(Verdict.Pass, results["echo/udp/datagram-1"].Verdict);
    }

    [Fact]
    public async Task NoAnswerToAnEmptyDatagram_FailsThatCaseOnly()
    {
        await using var server = new DefectServer(null, request => request.Length == 0 ? null : request);

        Dictionary<string, CaseResult> results = await CheckUdpAsync(server.EndPoint);

        Assert.Equal((Verdict.Fail, "no reply within 300 ms, 2 datagrams sent"), (results["echo/udp/empty-datagram"].Verdict, results["echo/udp/empty-datagram"].Got));
        Assert.All(results.Values.Where(r => r.Case.Id != "echo/udp/empty-datagram"), r => Assert.Equal(Verdict.Pass, r.Verdict));
    }
}
