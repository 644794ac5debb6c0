using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// The per-source and global UDP rates over real sockets, against a server whose clock the test moves: ten seconds
/// of traffic at three times the configured rate, sent in 10-ms steps, are answered at the configured rate (plus
/// the burst) to within 1%, and every datagram over it is counted as dropped for that reason.
/// </summary>
public sealed class UdpRateTests
{
    private const int Rate = 100;
    private const int Seconds = 10;
    private const int StepsPerSecond = 100;
    private const int PerStep = 3; // three times the rate

    [Fact]
    public async Task PerSourceRate_HoldsToWithinOnePercent()
    {
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(60));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Transports = Transport.Udp, UdpRate = Rate, TimeProvider = clock });
        using Socket client = Net.Udp(AddressFamily.InterNetwork);

        long sent = await SendAtThreeTimesTheRateAsync([client], server, clock, timeout.Token);

        InetServerStatistics stats = server.Statistics;
        AssertWithinOnePercent(2 * Rate + Rate * Seconds, stats.DatagramsAnswered);
        Assert.Equal(sent - stats.DatagramsAnswered, stats.DatagramsDropped[UdpVerdict.SourceRateLimited]);
    }

    [Fact]
    public async Task GlobalRate_HoldsToWithinOnePercent_OverFourSources()
    {
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(60));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Transports = Transport.Udp, UdpGlobalRate = Rate, TimeProvider = clock });
        Socket[] clients = [.. Enumerable.Range(2, 4).Select(i => Net.Udp(AddressFamily.InterNetwork, IPAddress.Parse($"127.0.0.{i}")))];
        try
        {
            long sent = await SendAtThreeTimesTheRateAsync(clients, server, clock, timeout.Token);

            InetServerStatistics stats = server.Statistics;
            AssertWithinOnePercent(2 * Rate + Rate * Seconds, stats.DatagramsAnswered);
            Assert.Equal(sent - stats.DatagramsAnswered, stats.DatagramsDropped[UdpVerdict.GlobalRateLimited]);
            Assert.Equal(0, stats.DatagramsDropped[UdpVerdict.SourceRateLimited]); // no per-source rate was given
        }
        finally
        {
            Array.ForEach(clients, c => c.Dispose());
        }
    }

    /// <summary>
    /// Sends <see cref="PerStep"/> datagrams per 10-ms step (taking turns among <paramref name="clients"/>) for
    /// <see cref="Seconds"/> seconds of the server's clock, each step received before the clock moves on.
    /// </summary>
    private static async Task<long> SendAtThreeTimesTheRateAsync(Socket[] clients, InetServer server, FakeTimeProvider clock, CancellationToken cancellationToken)
    {
        IPEndPoint echo = server.EndPoint(ServiceKind.Echo, Transport.Udp);
        byte[] datagram = new byte[64];
        long sent = 0;
        for (int step = 0; step < Seconds * StepsPerSecond; step++)
        {
            for (int i = 0; i < PerStep; i++)
            {
                await clients[(int)(sent % clients.Length)].SendToAsync(datagram, echo, cancellationToken);
                sent++;
            }
            while (server.Statistics.DatagramsReceived < sent)
            {
                await Task.Delay(1, cancellationToken);
            }
            clock.Advance(TimeSpan.FromSeconds(1.0 / StepsPerSecond));
        }
        return sent;
    }

    private static void AssertWithinOnePercent(long expected, long actual) =>
        Assert.True(Math.Abs(actual - expected) <= expected / 100, $"answered {actual:N0}, configured for {expected:N0} (burst and rate)");
}
