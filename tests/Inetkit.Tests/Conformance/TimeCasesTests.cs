using System.Buffers.Binary;
using System.Net;
using Inetkit.Conformance;
using Inetkit.Protocol;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Conformance;

/// <summary>Each time case against a server with exactly its defect.</summary>
public sealed class TimeCasesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static CheckOptions Options(FakeTimeProvider clock) => new() { TimeProvider = clock, Timeout = TimeSpan.FromMilliseconds(300), Retries = 1 };

    private static Task<Dictionary<string, CaseResult>> CheckAsync(IPEndPoint server, FakeTimeProvider clock) => ConformanceChecks.RunAsync(server, ServiceKind.Time, Options(clock), Transport.Tcp, Transport.Udp);

    private static byte[] BigEndian(uint value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    [Fact]
    public async Task UnixTime_FailsTheValueOnBothTransports_SaysSoAndHowToFixIt()
    {
        var clock = new FakeTimeProvider(Now);
        byte[] Unix() => BigEndian((uint)Now.ToUnixTimeSeconds());
        await using var server = new DefectServer(Unix, _ => Unix());

        Dictionary<string, CaseResult> results = await CheckAsync(server.EndPoint, clock);

        foreach (string id in new[] { "time/tcp/seconds-since-1900", "time/udp/seconds-since-1900" })
        {
            Assert.Equal(Verdict.Fail, results[id].Verdict);
            Assert.Contains("seconds since 1970 (Unix time), 2,208,988,800 s short: add 2,208,988,800", results[id].Got, StringComparison.Ordinal);
        }
        Assert.Equal(Verdict.Pass, results["time/tcp/four-bytes-then-close"].Verdict);
        Assert.Equal(Verdict.Pass, results["time/udp/empty-datagram"].Verdict);
    }

    [Fact]
    public async Task LittleEndian_FailsTheValue_AndNamesTheByteOrder()
    {
        var clock = new FakeTimeProvider(Now);
        byte[] Swapped() => [.. BigEndian(Rfc868Time.ToSeconds(Now)).Reverse()];
        await using var server = new DefectServer(Swapped, _ => Swapped());

        Dictionary<string, CaseResult> results = await CheckAsync(server.EndPoint, clock);

        Assert.Equal(Verdict.Fail, results["time/udp/seconds-since-1900"].Verdict);
        Assert.Contains($"read little-endian is {Rfc868Time.ToSeconds(Now):N0}: send the most significant byte first", results["time/udp/seconds-since-1900"].Got, StringComparison.Ordinal);
        Assert.Equal(Verdict.Fail, results["time/tcp/seconds-since-1900"].Verdict);
        Assert.Equal(Verdict.Pass, results["time/tcp/four-bytes-then-close"].Verdict);
    }

    [Fact]
    public async Task FiveBytes_FailsTheLengthCases_WithTheLength()
    {
        var clock = new FakeTimeProvider(Now);
        byte[] Five() => [.. BigEndian(Rfc868Time.ToSeconds(Now)), 0];
        await using var server = new DefectServer(Five, _ => Five());

        Dictionary<string, CaseResult> results = await CheckAsync(server.EndPoint, clock);

        Assert.Equal((Verdict.Fail, "5 bytes, then the server closed"), (results["time/tcp/four-bytes-then-close"].Verdict, results["time/tcp/four-bytes-then-close"].Got));
        Assert.Equal((Verdict.Fail, "5 bytes"), (results["time/udp/empty-datagram"].Verdict, results["time/udp/empty-datagram"].Got));
    }

    [Fact]
    public async Task ASlowClock_FailsTheValue_WithHowFarBehind()
    {
        var clock = new FakeTimeProvider(Now);
        byte[] Late() => BigEndian(Rfc868Time.ToSeconds(Now) - 90);
        await using var server = new DefectServer(Late, _ => Late());

        Dictionary<string, CaseResult> results = await CheckAsync(server.EndPoint, clock);

        Assert.Equal(Verdict.Fail, results["time/tcp/seconds-since-1900"].Verdict);
        Assert.EndsWith("90 s behind from the local clock", results["time/tcp/seconds-since-1900"].Got, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentOnUdp_FailsAfterEveryRetry()
    {
        var clock = new FakeTimeProvider(Now);
        int datagrams = 0;
        await using var server = new DefectServer(() => BigEndian(Rfc868Time.ToSeconds(Now)), _ => { Interlocked.Increment(ref datagrams); return null; });

        Dictionary<string, CaseResult> results = await CheckAsync(server.EndPoint, clock);

        Assert.Equal((Verdict.Fail, "no reply within 300 ms, 2 datagrams sent"), (results["time/udp/empty-datagram"].Verdict, results["time/udp/empty-datagram"].Got));
        Assert.Equal(4, datagrams);
        Assert.Equal(Verdict.Pass, results["time/tcp/seconds-since-1900"].Verdict);
    }

    [Theory]
    [InlineData(Transport.Tcp)]
    [InlineData(Transport.Udp)]
    public async Task ATransportNobodyServes_IsNotServed_EveryCaseSkipped(Transport transport)
    {
        var clock = new FakeTimeProvider(Now);
        Func<byte[]> reply = () => BigEndian(Rfc868Time.ToSeconds(Now));
        await using var server = transport == Transport.Tcp ? new DefectServer(null, _ => reply()) : new DefectServer(reply, null);

        ServiceCheck check = await ConformanceRunner.RunAsync(server.EndPoint, ServiceKind.Time, transport, ConformanceSuite.All, Options(clock), TestContext.Current.CancellationToken);

        Assert.False(check.Served);
        Assert.NotEmpty(check.Results);
        Assert.All(check.Results, r => Assert.Equal(Verdict.Skip, r.Verdict));
        Assert.StartsWith("not served: ", check.Results[0].Got, StringComparison.Ordinal);
    }
}
