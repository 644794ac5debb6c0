using System.Net;
using Inetkit.Demo.Wire.Internal;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>TCP numbers made relative as Wireshark shows them, on segments made up here.</summary>
public sealed class SequenceTrackerTests
{
    private const ushort Syn = TcpFlagNames.Syn;
    private const ushort Ack = TcpFlagNames.Ack;
    private const ushort Psh = TcpFlagNames.Psh;
    private const ushort Fin = TcpFlagNames.Fin;

    private static readonly IPEndPoint Client = IPEndPoint.Parse("127.0.0.1:40000");
    private static readonly IPEndPoint Server = IPEndPoint.Parse("127.0.0.1:5000");

    [Fact]
    public void Handshake_DataAndClose_CountFromEachDirectionsSyn()
    {
        var tracker = new SequenceTracker();
        const uint c = 4_000_000_000, s = 123_456;

        Assert.Equal((0u, 0u, 65495), tracker.Relate(Client, Server, new TcpHeader(c, 0, Syn, 65495, 7)));
        Assert.Equal((0u, 1u, 65483), tracker.Relate(Server, Client, new TcpHeader(s, c + 1, Syn | Ack, 65483, 7)));
        Assert.Equal((1u, 1u, 512 << 7), tracker.Relate(Client, Server, new TcpHeader(c + 1, s + 1, Ack, 512, null)));
        // The client's numbers wrap past 2^32 here: relative ones do not notice.
        Assert.Equal((1u, 1u, 512 << 7), tracker.Relate(Client, Server, new TcpHeader(c + 1, s + 1, Psh | Ack, 512, null)));
        Assert.Equal((uint.MaxValue - c + 1, 1u, 512 << 7), tracker.Relate(Client, Server, new TcpHeader(unchecked(c + (uint.MaxValue - c + 1)), s + 1, Fin | Ack, 512, null)));
        Assert.Equal((1u, uint.MaxValue - c + 2, 510 << 7), tracker.Relate(Server, Client, new TcpHeader(s + 1, unchecked(c + (uint.MaxValue - c + 2)), Fin | Ack, 510, null)));
    }

    [Fact]
    public void WithoutItsSyn_CountsFromTheFirstSegmentSeen_AndLeavesTheWindowUnscaled()
    {
        var tracker = new SequenceTracker();

        Assert.Equal((0u, 0u, 512), tracker.Relate(Client, Server, new TcpHeader(1000, 9000, Psh | Ack, 512, null)));
        Assert.Equal((0u, 10u, 300), tracker.Relate(Server, Client, new TcpHeader(9000, 1010, Ack, 300, null)));
        Assert.Equal((10u, 5u, 512), tracker.Relate(Client, Server, new TcpHeader(1010, 9005, Ack, 512, null)));
    }

    [Fact]
    public void WindowScale_OnlyWhenBothSynsCarriedIt()
    {
        var tracker = new SequenceTracker();
        tracker.Relate(Client, Server, new TcpHeader(1, 0, Syn, 65495, 7));
        tracker.Relate(Server, Client, new TcpHeader(2, 2, Syn | Ack, 65483, null));

        Assert.Equal(512, tracker.Relate(Client, Server, new TcpHeader(2, 3, Ack, 512, null)).Window);
    }

    [Fact]
    public void NewSynOnAReusedFourTuple_StartsAfresh()
    {
        var tracker = new SequenceTracker();
        tracker.Relate(Client, Server, new TcpHeader(100, 0, Syn, 65495, 7));
        tracker.Relate(Server, Client, new TcpHeader(200, 101, Syn | Ack, 65483, 7));

        Assert.Equal((0u, 0u), Numbers(tracker.Relate(Client, Server, new TcpHeader(5000, 0, Syn, 65495, 7))));
        Assert.Equal((0u, 1u), Numbers(tracker.Relate(Server, Client, new TcpHeader(7000, 5001, Syn | Ack, 65483, 7))));
        Assert.Equal((1u, 1u), Numbers(tracker.Relate(Client, Server, new TcpHeader(5001, 7001, Ack, 512, null))));
    }

    [Fact]
    public void RetransmittedSyn_KeepsTheAnswersNumbers()
    {
        var tracker = new SequenceTracker();
        tracker.Relate(Client, Server, new TcpHeader(100, 0, Syn, 65495, 7));
        tracker.Relate(Server, Client, new TcpHeader(200, 101, Syn | Ack, 65483, 7));
        tracker.Relate(Client, Server, new TcpHeader(100, 0, Syn, 65495, 7));

        Assert.Equal((1u, 1u), Numbers(tracker.Relate(Server, Client, new TcpHeader(201, 101, Ack, 512, null))));
    }

    [Fact]
    public void ResetAnsweringASyn_IsSeqZeroAckOne()
    {
        var tracker = new SequenceTracker();
        tracker.Relate(Client, Server, new TcpHeader(77, 0, Syn, 65495, 7));

        Assert.Equal((0u, 1u), Numbers(tracker.Relate(Server, Client, new TcpHeader(0, 78, TcpFlagNames.Rst | Ack, 0, null))));
    }

    [Theory]
    [InlineData(TcpFlagNames.Syn, "SYN")]
    [InlineData(TcpFlagNames.Syn | TcpFlagNames.Ack, "SYN/ACK")]
    [InlineData(TcpFlagNames.Ack, "ACK")]
    [InlineData(TcpFlagNames.Psh | TcpFlagNames.Ack, "PSH/ACK")]
    [InlineData(TcpFlagNames.Fin | TcpFlagNames.Ack, "FIN/ACK")]
    [InlineData(TcpFlagNames.Fin | TcpFlagNames.Psh | TcpFlagNames.Ack, "FIN/PSH/ACK")]
    [InlineData(TcpFlagNames.Rst, "RST")]
    [InlineData(TcpFlagNames.Rst | TcpFlagNames.Ack, "RST/ACK")]
    [InlineData(0xC2, "SYN/ECE/CWR")]
    [InlineData(0, "none")]
    public void Flags_InTheFormPeopleWriteThem(ushort flags, string expected) => Assert.Equal(expected, TcpFlagNames.Format(flags));

    private static (uint, uint) Numbers((uint Seq, uint Ack, int Window) related) => (related.Seq, related.Ack);
}
