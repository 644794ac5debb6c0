using System.Net;
using Inetkit.Hosting;
using Inetkit.Hosting.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Hosting;

/// <summary>The UDP decisions, tested without a socket: sources that no test could send from are just values here.</summary>
public sealed class UdpSourcePolicyTests
{
    private static readonly int[] InetkitPorts = [10007, 10009, 10013, 10017, 10019, 10037];

    private static UdpSourcePolicy Policy(FakeTimeProvider? clock = null, double? sourceRate = null, double? globalRate = null, bool allowAmplification = false) =>
        new(InetkitPorts, sourceRate, globalRate, allowAmplification, clock ?? new FakeTimeProvider(), [IPAddress.Parse("192.0.2.255")]);

    private static SourceAddress From(string address, int port) => SourceAddress.From(new IPEndPoint(IPAddress.Parse(address), port));

    [Theory]
    [InlineData("127.0.0.1", 7)]
    [InlineData("127.0.0.1", 19)]
    [InlineData("127.0.0.1", 0)]
    [InlineData("192.0.2.10", 1023)]
    [InlineData("2001:db8::1", 53)]
    public void SourcePortBelow1024_IsDropped_FromAnyAddress(string address, int port)
    {
        Assert.Equal(UdpVerdict.ReservedSourcePort, Policy().Check(From(address, port), 10, out _));
    }

    [Theory]
    [InlineData("127.0.0.1", 10007)]
    [InlineData("::1", 10019)]
    [InlineData("192.0.2.10", 10037)]
    public void SourcePortInInetkitsPortMap_IsDropped(string address, int port)
    {
        Assert.Equal(UdpVerdict.ServiceSourcePort, Policy().Check(From(address, port), 10, out _));
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("ff02::1")]
    [InlineData("255.255.255.255")]
    [InlineData("192.0.2.255")]
    [InlineData("::ffff:224.0.0.1")]
    public void UnspecifiedMulticastOrBroadcastSource_IsDropped(string address)
    {
        Assert.Equal(UdpVerdict.InvalidSourceAddress, Policy().Check(From(address, 40000), 10, out _));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.1.2.3")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void LoopbackSource_MayGetAReplyLongerThanItsRequest(string address)
    {
        Assert.Equal(UdpVerdict.Accept, Policy().Check(From(address, 40000), 0, out int maxReply));
        Assert.Equal(int.MaxValue, maxReply);
    }

    [Theory]
    [InlineData("192.0.2.10", 0)]
    [InlineData("198.51.100.7", 1)]
    [InlineData("2001:db8::1", 33)]
    public void NonLoopbackSource_ReplyNeverLongerThanRequest(string address, int requestLength)
    {
        Assert.Equal(UdpVerdict.Accept, Policy().Check(From(address, 40000), requestLength, out int maxReply));
        Assert.Equal(requestLength, maxReply);
    }

    [Fact]
    public void AllowAmplification_LiftsTheReplyCap()
    {
        Assert.Equal(UdpVerdict.Accept, Policy(allowAmplification: true).Check(From("192.0.2.10", 40000), 0, out int maxReply));
        Assert.Equal(int.MaxValue, maxReply);
    }

    [Fact]
    public void LoopbackByDefault_IsNotRateLimited()
    {
        UdpSourcePolicy policy = Policy();
        for (int i = 0; i < 100_000; i++)
        {
            Assert.Equal(UdpVerdict.Accept, policy.Check(From("127.0.0.1", 40000), 1, out _));
        }
    }

    [Fact]
    public void NonLoopbackByDefault_GetsTheConservativeRate()
    {
        var clock = new FakeTimeProvider();
        UdpSourcePolicy policy = Policy(clock);

        int accepted = CountAccepted(policy, "192.0.2.10", 1000);

        // A burst of two seconds' worth, then nothing until tokens come back.
        Assert.Equal((int)(InetServerOptions.DefaultUdpRate * 2), accepted);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((int)InetServerOptions.DefaultUdpRate, CountAccepted(policy, "192.0.2.10", 1000));
        // Another source has its own bucket.
        Assert.Equal((int)(InetServerOptions.DefaultUdpRate * 2), CountAccepted(policy, "192.0.2.11", 1000));
    }

    [Fact]
    public void GivenRate_AppliesToLoopbackToo_AndHoldsOverTime()
    {
        var clock = new FakeTimeProvider();
        UdpSourcePolicy policy = Policy(clock, sourceRate: 100);

        int accepted = CountAccepted(policy, "127.0.0.1", 1000);
        for (int second = 0; second < 10; second++)
        {
            for (int tick = 0; tick < 100; tick++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(10));
                accepted += CountAccepted(policy, "127.0.0.1", 5);
            }
        }

        // 200 of burst, then 100 a second for 10 seconds.
        Assert.InRange(accepted, 1195, 1205);
    }

    [Fact]
    public void GlobalRate_CapsAllSourcesTogether()
    {
        var clock = new FakeTimeProvider();
        UdpSourcePolicy policy = Policy(clock, sourceRate: 1000, globalRate: 50);

        int total = 0;
        for (int source = 1; source <= 20; source++)
        {
            total += CountAccepted(policy, $"127.0.0.{source}", 50);
        }

        Assert.Equal(100, total); // the global burst: two seconds of 50/s
        Assert.Equal(UdpVerdict.GlobalRateLimited, policy.Check(From("127.0.0.99", 40000), 1, out _));
    }

    [Fact]
    public void SpoofedFloodFromManySources_KeepsTheTableBounded()
    {
        var clock = new FakeTimeProvider();
        UdpSourcePolicy policy = Policy(clock, sourceRate: 1, globalRate: 1e9);

        for (int i = 0; i < UdpSourcePolicy.MaxTrackedSources + 10_000; i++)
        {
            policy.Check(new SourceAddress(new UInt128(0x2001_0db8_0000_0000, (ulong)i), 40000), 1, out _);
        }

        Assert.InRange(policy.TrackedSources, 1, UdpSourcePolicy.MaxTrackedSources);
    }

    private static int CountAccepted(UdpSourcePolicy policy, string address, int attempts)
    {
        int accepted = 0;
        for (int i = 0; i < attempts; i++)
        {
            if (policy.Check(From(address, 40000), 1, out _) == UdpVerdict.Accept)
            {
                accepted++;
            }
        }
        return accepted;
    }
}
