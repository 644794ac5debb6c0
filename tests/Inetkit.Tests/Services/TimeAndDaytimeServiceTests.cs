using System.Buffers.Binary;
using System.Text;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Services;

public sealed class TimeAndDaytimeServiceTests
{
    private static readonly DateTimeOffset Wrap = new(2036, 2, 7, 6, 28, 16, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(TransportData.Both), MemberType = typeof(TransportData))]
    public async Task Daytime_OneCtimeLineInUtcWithCrlf(Transport transport, bool ipv6)
    {
        using var timeout = TestTimeout.Create();
        var clock = new FakeTimeProvider(Wrap);
        await using InetServer server = await Servers.StartAsync(ServiceKind.Daytime, configure: o => o with { TimeProvider = clock });

        byte[] reply = await Net.ExchangeAsync(server.EndPoint(ServiceKind.Daytime, transport, ipv6), transport, [], timeout.Token);

        Assert.Equal("Thu Feb  7 06:28:16 2036\r\n", Encoding.ASCII.GetString(reply));
    }

    [Fact]
    public async Task Daytime_OtherFormat()
    {
        using var timeout = TestTimeout.Create();
        var clock = new FakeTimeProvider(Wrap);
        await using InetServer server = await Servers.StartAsync(ServiceKind.Daytime, configure: o => o with { TimeProvider = clock, DaytimeFormat = DaytimeFormat.Rfc3339 });

        byte[] reply = await Net.ExchangeAsync(server.EndPoint(ServiceKind.Daytime, Transport.Tcp), Transport.Tcp, [], timeout.Token);

        Assert.Equal("2036-02-07T06:28:16Z\r\n", Encoding.ASCII.GetString(reply));
    }

    [Theory]
    [MemberData(nameof(TransportData.Both), MemberType = typeof(TransportData))]
    public async Task Daytime_EachSecondItsOwnLine_AFractionFormatEachRequest(Transport transport, bool ipv6)
    {
        using var timeout = TestTimeout.Create();
        var clock = new FakeTimeProvider(Wrap);
        await using InetServer seconds = await Servers.StartAsync(ServiceKind.Daytime, configure: o => o with { TimeProvider = clock });
        await using InetServer fractions = await Servers.StartAsync(ServiceKind.Daytime, configure: o => o with { TimeProvider = clock, DaytimeFormat = DaytimeFormat.Parse("HH:mm:ss.fff") });
        async Task<string> Ask(InetServer server) => Encoding.ASCII.GetString(await Net.ExchangeAsync(server.EndPoint(ServiceKind.Daytime, transport, ipv6), transport, [], timeout.Token));

        string first = await Ask(seconds);
        string firstFraction = await Ask(fractions);
        clock.Advance(TimeSpan.FromMilliseconds(999));
        string sameSecond = await Ask(seconds);
        string laterFraction = await Ask(fractions);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        string next = await Ask(seconds);

        Assert.Equal(["Thu Feb  7 06:28:16 2036\r\n", "Thu Feb  7 06:28:16 2036\r\n", "Thu Feb  7 06:28:17 2036\r\n"], [first, sameSecond, next]);
        Assert.Equal(["06:28:16.000\r\n", "06:28:16.999\r\n"], [firstFraction, laterFraction]);
    }

    [Theory]
    [MemberData(nameof(TransportData.Both), MemberType = typeof(TransportData))]
    public async Task Time_FourBigEndianBytes_AcrossThe2036Wrap(Transport transport, bool ipv6)
    {
        using var timeout = TestTimeout.Create();
        var clock = new FakeTimeProvider(Wrap.AddSeconds(-1));
        await using InetServer server = await Servers.StartAsync(ServiceKind.Time, configure: o => o with { TimeProvider = clock });

        byte[] before = await Net.ExchangeAsync(server.EndPoint(ServiceKind.Time, transport, ipv6), transport, [], timeout.Token);
        clock.Advance(TimeSpan.FromSeconds(1));
        byte[] at = await Net.ExchangeAsync(server.EndPoint(ServiceKind.Time, transport, ipv6), transport, [], timeout.Token);
        clock.Advance(TimeSpan.FromSeconds(42));
        byte[] after = await Net.ExchangeAsync(server.EndPoint(ServiceKind.Time, transport, ipv6), transport, [], timeout.Token);

        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, before);
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, at);
        Assert.Equal(42u, BinaryPrimitives.ReadUInt32BigEndian(after));
    }

    [Fact]
    public async Task Time_Today_MatchesTheRfc868Value()
    {
        using var timeout = TestTimeout.Create();
        var now = new DateTimeOffset(2026, 11, 24, 21, 0, 0, TimeSpan.Zero);
        await using InetServer server = await Servers.StartAsync(ServiceKind.Time, configure: o => o with { TimeProvider = new FakeTimeProvider(now) });

        byte[] reply = await Net.ExchangeAsync(server.EndPoint(ServiceKind.Time, Transport.Udp), Transport.Udp, [], timeout.Token);

        Assert.Equal(4_004_542_800u, BinaryPrimitives.ReadUInt32BigEndian(reply));
    }
}
