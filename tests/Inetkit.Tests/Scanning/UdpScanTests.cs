using System.Net;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Scanning;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Scanning;

/// <summary>Every UDP state against real loopback sockets on ephemeral ports.</summary>
public sealed class UdpScanTests
{
    [Theory]
    [InlineData(ServiceKind.Echo)]
    [InlineData(ServiceKind.Qotd)]
    [InlineData(ServiceKind.Time)]
    [InlineData(ServiceKind.Chargen)]
    [InlineData(ServiceKind.Daytime)]
    public async Task AnsweringService_IsOpen(ServiceKind service)
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(service);

        PortResult result = await new PortScanner(new ScanOptions()).ProbeAsync(IPAddress.Loopback, Transport.Udp, server.EndPoint(service, Transport.Udp).Port, timeout.Token);

        Assert.Equal((PortState.Open, "udp-response", Transport.Udp), (result.State, result.Reason, result.Protocol));
    }

    [Fact]
    public async Task NothingListening_IcmpPortUnreachable_IsClosed()
    {
        using var timeout = TestTimeout.Create();

        PortResult result = await new PortScanner(new ScanOptions()).ProbeAsync(IPAddress.Loopback, Transport.Udp, ClosedPort.Udp(), timeout.Token);

        Assert.Equal((PortState.Closed, "port-unreach"), (result.State, result.Reason));
    }

    [Fact]
    public async Task SilentListener_IsOpenFiltered_AfterEveryTry()
    {
        using var timeout = TestTimeout.Create();
        int received = 0;
        await using var peer = RawUdpPeer.Start((_, _, _) => { Interlocked.Increment(ref received); return Task.CompletedTask; });

        PortResult result = await new PortScanner(new ScanOptions { Timeout = TimeSpan.FromMilliseconds(100), Retries = 2 }).ProbeAsync(IPAddress.Loopback, Transport.Udp, peer.EndPoint.Port, timeout.Token);

        Assert.Equal((PortState.OpenFiltered, "no-response"), (result.State, result.Reason));
        Assert.Equal(3, Volatile.Read(ref received)); // one try and two retries, each a datagram
    }

    [Fact]
    public async Task InetkitDiscard_NeverAnswers_SoItIsOpenFiltered_AsNmapWouldSay()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Discard);

        PortResult result = await new PortScanner(new ScanOptions { Timeout = TimeSpan.FromMilliseconds(100), Retries = 0 }).ProbeAsync(IPAddress.IPv6Loopback, Transport.Udp, server.EndPoint(ServiceKind.Discard, Transport.Udp, ipv6: true).Port, timeout.Token);

        Assert.Equal(PortState.OpenFiltered, result.State);
    }

    [Theory]
    [InlineData(7, 17)]
    [InlineData(10007, 17)]
    [InlineData(37, 4)]
    [InlineData(10017, 512)]
    [InlineData(19, 512)]
    [InlineData(53, 17)]
    [InlineData(123, 48)]
    [InlineData(161, 0)]
    public void Probes_ArePaddedSoACarefulServerMayAnswer(int port, int length)
    {
        Assert.Equal(length, UdpProbes.For(port).Length);
    }

    [Fact]
    public void DnsProbe_IsAStandardQueryForTheRootsNameServers()
    {
        ReadOnlySpan<byte> query = UdpProbes.For(UdpProbes.Dns).Span;

        Assert.Equal(0x0100, (query[2] << 8) | query[3]);           // QR 0 (a query), opcode 0 (standard), RD 1
        Assert.Equal([0, 1, 0, 0, 0, 0, 0, 0], query[4..12].ToArray()); // one question, no answers, authority or additional records
        Assert.Equal(0, query[12]);                                  // QNAME: the root, a single empty label
        Assert.Equal([0, 2, 0, 1], query[13..].ToArray());           // QTYPE NS, QCLASS IN
    }

    [Fact]
    public void NtpProbe_IsAVersion4ClientRequest()
    {
        ReadOnlySpan<byte> request = UdpProbes.For(UdpProbes.Ntp).Span;

        Assert.Equal((0, 4, 3), (request[0] >> 6, (request[0] >> 3) & 7, request[0] & 7)); // LI, VN, mode (client)
        Assert.True(request[1..].IndexOfAnyExcept((byte)0) < 0);
    }
}
