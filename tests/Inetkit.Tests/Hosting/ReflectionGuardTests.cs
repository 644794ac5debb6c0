using System.Net;
using Inetkit.Hosting;
using Inetkit.Hosting.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Hosting;

/// <summary>
/// The reflection guard, decided without a socket: a source beyond loopback that sends our own replies straight back
/// is a reflector (another echo-like service on a port outside every map, set off by a spoofed datagram).
/// </summary>
public sealed class ReflectionGuardTests
{
    private static readonly byte[] Reply = "Thu Feb  7 06:28:16 2036\r\n"u8.ToArray();

    private static (UdpSourcePolicy Policy, FakeTimeProvider Clock) Policy()
    {
        var clock = new FakeTimeProvider();
        return (new UdpSourcePolicy([10007], sourceRate: 1e9, globalRate: 1e9, allowAmplification: false, clock, []), clock);
    }

    private static SourceAddress From(string address, int port = 40000) => SourceAddress.From(new IPEndPoint(IPAddress.Parse(address), port));

    [Fact]
    public void ReplyComingStraightBack_ThreeTimes_MutesTheSource_ForAMinute_WhateverItSends()
    {
        (UdpSourcePolicy policy, FakeTimeProvider clock) = Policy();
        SourceAddress reflector = From("192.0.2.7");

        var verdicts = new List<UdpVerdict>();
        for (int turn = 0; turn < ReflectionGuard.BouncesToMute; turn++)
        {
            policy.Replied(reflector, Reply);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            verdicts.Add(policy.Check(reflector, Reply, out _));
        }

        Assert.Equal([UdpVerdict.Accept, UdpVerdict.Accept, UdpVerdict.ReflectedReply], verdicts);
        Assert.Equal(UdpVerdict.ReflectedReply, policy.Check(reflector, "something else"u8, out int maxReply));
        Assert.Equal(0, maxReply);
        Assert.Equal(UdpVerdict.Accept, policy.Check(From("192.0.2.7", 40001), Reply, out _)); // another port of that host is another peer
        clock.Advance(ReflectionGuard.MuteFor);
        Assert.Equal(UdpVerdict.Accept, policy.Check(reflector, "something else"u8, out _));
    }

    [Fact]
    public void AnythingElseBetweenBounces_StartsTheCountAgain()
    {
        (UdpSourcePolicy policy, FakeTimeProvider clock) = Policy();
        SourceAddress client = From("2001:db8::7");

        var verdicts = new List<UdpVerdict>();
        foreach (byte[] request in new[] { Reply, Reply, "a new line"u8.ToArray(), Reply, Reply })
        {
            policy.Replied(client, Reply);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            verdicts.Add(policy.Check(client, request, out _));
        }

        Assert.All(verdicts, v => Assert.Equal(UdpVerdict.Accept, v));
    }

    [Fact]
    public void TheSameRequestLongAfterOurReply_IsNoBounce()
    {
        (UdpSourcePolicy policy, FakeTimeProvider clock) = Policy();
        SourceAddress client = From("192.0.2.8");

        for (int turn = 0; turn < 5; turn++)
        {
            policy.Replied(client, Reply);
            clock.Advance(ReflectionGuard.BounceWindow + TimeSpan.FromMilliseconds(1));
            Assert.Equal(UdpVerdict.Accept, policy.Check(client, Reply, out _));
        }
    }

    [Fact]
    public void Loopback_IsNeverMuted_FixturesAndBenchmarksRepeatThemselves()
    {
        (UdpSourcePolicy policy, _) = Policy();
        SourceAddress local = From("127.0.0.1");

        for (int turn = 0; turn < 10; turn++)
        {
            policy.Replied(local, Reply);
            Assert.Equal(UdpVerdict.Accept, policy.Check(local, Reply, out _));
        }
        Assert.Equal(0, policy.TrackedReplies);
    }

    [Fact]
    public void SpoofedFloodOfOneOffSources_KeepsTheTableBounded()
    {
        (UdpSourcePolicy policy, _) = Policy();

        for (int i = 0; i < UdpSourcePolicy.MaxTrackedSources + 10_000; i++)
        {
            policy.Replied(new SourceAddress(new UInt128(0x2001_0db8_0000_0000, (ulong)i), 40000), Reply);
        }

        Assert.InRange(policy.TrackedReplies, 1, UdpSourcePolicy.MaxTrackedSources);
    }
}
