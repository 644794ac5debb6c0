using Inetkit.Demo;
using Inetkit.Demo.Wire;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo;

/// <summary>With <c>--wire</c> (as root, as CI runs): the packets beneath the calls, each between the calls where it happened.</summary>
public sealed class DemoWireTests
{
    internal static async Task<IReadOnlyList<DemoEvent>> RunAsync(string name)
    {
        Assert.SkipUnless(LoopbackCapture.TryOpen([], out LoopbackCapture? capture, out string whyNot), whyNot);
        await using (capture)
        {
            var recorder = new DemoRecorder(TimeProvider.System) { Wire = capture };
            using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(30));
            await DemoCatalog.Find(name)!.RunAsync(new DemoContext(recorder), timeout.Token);
            await recorder.DrainWireAsync(timeout.Token);
            return recorder.Events;
        }
    }

    [Fact]
    public async Task TcpQotd_TheHandshakeComesBeforeTheFirstData_AndAFinGoesEachWayAtTheEnd()
    {
        IReadOnlyList<DemoEvent> events = await RunAsync("tcp-qotd");

        List<WirePacket> tcp = [.. events.Where(e => e.Packet is { Protocol: WireProtocol.Tcp }).Select(e => e.Packet!)];
        Assert.Equal(["SYN", "SYN/ACK", "ACK"], tcp.Take(3).Select(p => p.Flags));
        Assert.Equal((0u, 0u), (tcp[0].RelativeSeq, tcp[1].RelativeSeq));
        int firstData = tcp.FindIndex(p => p.PayloadLength > 0);
        Assert.True(firstData >= 3, "no data before the handshake is complete");
        Assert.Contains(tcp.Skip(firstData), p => p.Flags.Contains("FIN", StringComparison.Ordinal) && events.Any(e => e.Lane == DemoLane.Server && e.Packet == p));
        Assert.Contains(tcp.Skip(firstData), p => p.Flags.Contains("FIN", StringComparison.Ordinal) && events.Any(e => e.Lane == DemoLane.Client && e.Packet == p));
        int syn = events.ToList().FindIndex(e => e.Packet?.Flags == "SYN");
        int listen = events.ToList().FindIndex(e => e.Call?.Name == "listen");
        Assert.True(listen < syn, "the SYN comes after listen()");
    }

    [Fact]
    public async Task UdpEcho_ShowsTheDatagrams_AndNoHandshake()
    {
        IReadOnlyList<DemoEvent> events = await RunAsync("udp-echo");

        Assert.DoesNotContain(events, e => e.Packet is { Protocol: WireProtocol.Tcp });
        List<WirePacket> udp = [.. events.Where(e => e.Packet is { Protocol: WireProtocol.Udp }).Select(e => e.Packet!)];
        Assert.Equal([5, 5, 5, 5, 3, 3], udp.Select(p => p.PayloadLength));
        int firstSend = events.ToList().FindIndex(e => e.Lane == DemoLane.Client && e.Call?.Name == "sendto");
        Assert.True(events.ToList().FindIndex(e => e.Packet is not null) > firstSend, "the first datagram follows the first sendto");
    }

    [Fact]
    public async Task UdpUnreachable_ShowsTheIcmpPortUnreachable()
    {
        IReadOnlyList<DemoEvent> events = await RunAsync("udp-unreachable");

        DemoEvent icmp = Assert.Single(events, e => e.Packet is { IsPortUnreachable: true });
        Assert.Equal(DemoLane.Server, icmp.Lane);
        int sent = events.ToList().FindIndex(e => e.Call?.Name == "sendto");
        Assert.True(sent < events.ToList().IndexOf(icmp));
    }
}

/// <summary>The packets in Mermaid too: tcp-qotd with its wire, drawn by the real Mermaid library.</summary>
public sealed class DemoWireMermaidTests(SharedBrowser shared) : IClassFixture<SharedBrowser>
{
    [Fact]
    public async Task TcpQotdWithItsWire_RendersInMermaid()
    {
        IReadOnlyList<DemoEvent> events = await DemoWireTests.RunAsync("tcp-qotd");
        string diagram = Inetkit.Demo.Rendering.MermaidDiagram.Render(DemoCatalog.Find("tcp-qotd")!, events);
        Mermaid mermaid = await shared.GetMermaidAsync();

        MermaidResult result = await mermaid.RenderAsync(diagram);

        Assert.True(result.Rendered, $"{result.Error}\n{diagram}");
        Assert.Contains("TCP [SYN/ACK] seq=0 ack=1 len=0", result.Svg, StringComparison.Ordinal);
    }
}
