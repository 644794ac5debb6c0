using Inetkit.Demo;
using Inetkit.Demo.Examples;
using Inetkit.Impairment;
using Inetkit.Tracing;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Demo;

/// <summary>
/// Each example, run for real on loopback: the events of both sides come in the order the seed's code implies.
/// Only orders that causality fixes are asserted across the lanes (a send before the receive of its bytes).
/// </summary>
public sealed class DemoExampleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task<IReadOnlyList<DemoEvent>> RunAsync(string name, TimeProvider? clock = null)
    {
        var recorder = new DemoRecorder(clock ?? TimeProvider.System);
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(30));
        await DemoCatalog.Find(name)!.RunAsync(new DemoContext(recorder), timeout.Token);
        return recorder.Events;
    }

    private static int Index(IReadOnlyList<DemoEvent> events, DemoLane lane, string call, Func<TraceEvent, bool>? where = null, int after = -1)
    {
        for (int i = after + 1; i < events.Count; i++)
        {
            if (events[i].Lane == lane && events[i].Call is { Kind: TraceKind.Call } c && c.Name == call && (where?.Invoke(c) ?? true))
            {
                return i;
            }
        }
        Assert.Fail($"no {lane} {call} after event {after}: {string.Join(" | ", events.Select(e => $"{e.Lane} {e.Call?.Text ?? e.Printed}"))}");
        return -1;
    }

    [Fact]
    public async Task TcpQotd_ListenBeforeConnect_AcceptSendallClose_AndTheRecvsGrowTheQuoteUntilZero()
    {
        IReadOnlyList<DemoEvent> events = await RunAsync("tcp-qotd");

        int listen = Index(events, DemoLane.Server, "listen");
        int connected = Index(events, DemoLane.Client, "connect");
        int accept = Index(events, DemoLane.Server, "accept");
        int sendall = Index(events, DemoLane.Server, "sendall", after: accept);
        int close = Index(events, DemoLane.Server, "close", c => c.Side.Contains('#', StringComparison.Ordinal), after: sendall);
        Assert.True(listen < connected, "listen() comes before connect() returns");
        Assert.True(accept < sendall && sendall < close);
        List<TraceEvent> recvs = [.. events.Where(e => e.Lane == DemoLane.Client && e.Call is { Kind: TraceKind.Call, Name: "recv" }).Select(e => e.Call!)];
        Assert.All(recvs, r => Assert.Equal("4", r.Arguments));
        Assert.All(recvs[..^1], r => Assert.InRange(r.Length, 1, 4));
        Assert.Equal(0, recvs[^1].Length);
        // Inetkit's qotd ends the quote with CRLF, as RFC 865's lines do; the seed's server sends it bare.
        Assert.Equal(TcpQotd.Quote + "\r\n", string.Concat(recvs.Select(r => System.Text.Encoding.ASCII.GetString(r.Data.Span))));
        Assert.True(sendall < events.ToList().FindIndex(e => e.Call == recvs[0]), "the quote is sent before the first recv returns it");
        Assert.Equal("client_socket.sendall(quote)", events[sendall].Seed);
        Assert.Equal("chunk = s.recv(4)", events.First(e => e.Call == recvs[0]).Seed);
    }

    [Fact]
    public async Task UdpEchoOnce_TheServerWaits_TheClientSends_TheServerEchoes_AndStops()
    {
        IReadOnlyList<DemoEvent> events = await RunAsync("udp-echo-once");

        int bind = Index(events, DemoLane.Server, "bind");
        int waiting = events.ToList().FindIndex(e => e.Lane == DemoLane.Server && e.Call is { Kind: TraceKind.Waiting, Name: "recvfrom" });
        int sent = Index(events, DemoLane.Client, "sendto");
        int received = Index(events, DemoLane.Server, "recvfrom");
        int echoed = Index(events, DemoLane.Server, "sendto", after: received);
        int back = Index(events, DemoLane.Client, "recvfrom", after: echoed);
        // The server's loop may start waiting before or after the client sends: only what causality fixes is asserted.
        Assert.True(bind < sent && sent < received && received < echoed && echoed < back);
        Assert.True(waiting >= 0 && waiting < received);
        Assert.Equal("Hello World"u8.ToArray(), events[back].Call!.Data.ToArray());
        Assert.DoesNotContain(events, e => e.Call?.Name is "connect" or "accept" && e.Lane == DemoLane.Server);
        Assert.Equal(1, events.Count(e => e.Lane == DemoLane.Server && e.Call is { Kind: TraceKind.Call, Name: "recvfrom" }));
        Assert.Contains(events, e => e.Printed == "b'Hello World' received from ('127.0.0.1', " + events[back].Call!.Peer!.Port + ")");
    }

    [Fact]
    public async Task UdpEcho_EachOfThreeDatagrams_IsSentEchoedAndReceived_InTurn()
    {
        IReadOnlyList<DemoEvent> events = await RunAsync("udp-echo");

        int at = -1;
        foreach (string message in new[] { "Hello", "World", "Bye" })
        {
            int sent = Index(events, DemoLane.Client, "sendto", c => c.Data.Span.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(message)), at);
            int echoed = Index(events, DemoLane.Server, "sendto", c => c.Data.Span.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(message)), sent);
            at = Index(events, DemoLane.Client, "recvfrom", c => c.Data.Span.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(message)), echoed);
        }
    }

    [Fact]
    public async Task UdpTimeout_OnAnInjectedClock_EndsWithTheSeedsMessage_AfterTheTimeout()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var recorder = new DemoRecorder(clock);
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(30));
        Task running = DemoCatalog.Find("udp-timeout")!.RunAsync(new DemoContext(recorder), timeout.Token);
        await recorder.WaitForAsync(e => e.Call is { Kind: TraceKind.Waiting, Name: "recvfrom" }, TimeSpan.FromSeconds(20), timeout.Token);
        clock.Advance(UdpTimeout.Timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(running.IsCompleted);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await running;

        IReadOnlyList<DemoEvent> events = recorder.Events;
        DemoEvent failed = events.Last(e => e.Call?.Name == "recvfrom");
        Assert.True(failed.Call!.Failed);
        Assert.Equal(UdpTimeout.Timeout, failed.At);
        Assert.Equal("No connection!", events.Last(e => e.Printed is not null).Printed);
        Assert.Equal("s.settimeout(3)", events.Single(e => e.Call?.Name == "setsockopt").Seed);
    }

    [Fact]
    public async Task TcpRefused_TheConnectFails_WithConnectionRefused()
    {
        IReadOnlyList<DemoEvent> events = await RunAsync("tcp-refused");

        TraceEvent connect = events.Single(e => e.Call is { Kind: TraceKind.Call, Name: "connect" }).Call!;
        Assert.True(connect.Failed);
        Assert.StartsWith("ECONNREFUSED", connect.Result, StringComparison.Ordinal);
        Assert.Equal("ConnectionRefusedError: [Errno 111] Connection refused", events[^1].Printed);
    }

    [Fact]
    public async Task UdpUnreachable_TheDatagramGoes_AndTheNextRecvFailsWithTheIcmpError()
    {
        IReadOnlyList<DemoEvent> events = await RunAsync("udp-unreachable");

        int sent = Index(events, DemoLane.Client, "sendto");
        int failed = Index(events, DemoLane.Client, "recvfrom", c => c.Failed, sent);
        Assert.StartsWith("ECONNREFUSED", events[failed].Call!.Result, StringComparison.Ordinal);
        Assert.Equal("ConnectionRefusedError: [Errno 111] Connection refused", events.Last(e => e.Printed is not null).Printed);
    }

    [Fact]
    public async Task UdpLoss_WithItsSeed_ShowsExactlyThePlannedLossDuplicateAndReorder()
    {
        IReadOnlyList<DemoEvent> events = await RunAsync("udp-loss");

        // The plan: what the seed's engine decides for six datagrams, computed here on its own.
        var planned = new ImpairmentEffects[6];
        var profile = ImpairmentSpec.Parse(UdpLoss.Spec, Direction.Down);
        await using (var engine = new DatagramImpairer<int>(profile.DatagramsDown, profile.Seed!.Value, TimeProvider.System, (_, _) => ValueTask.CompletedTask, null, (_, i, e, _) => planned[i] = e))
        {
            for (int i = 0; i < planned.Length; i++)
            {
                await engine.SubmitAsync(new byte[] { (byte)i }, i);
            }
        }
        string[] messages = ["one", "two", "three", "four", "five", "six"];
        var decided = events.Where(e => e.Lane == DemoLane.Server && e.Call is { Name: "sendto" } c && c.Impairment != ImpairmentEffects.None)
            .ToDictionary(e => System.Text.Encoding.ASCII.GetString(e.Call!.Data.Span), e => e.Call!.Impairment);
        var expected = planned.Select((effect, i) => (messages[i], effect)).Where(p => p.effect != ImpairmentEffects.None).ToDictionary(p => p.Item1, p => p.effect);
        Assert.Equal(expected, decided);
        Assert.Equal([ImpairmentEffects.Lost, ImpairmentEffects.Duplicated, ImpairmentEffects.Reordered], expected.Values.Order());
        List<string> received = [.. events.Where(e => e.Lane == DemoLane.Client && e.Call is { Kind: TraceKind.Call, Name: "recvfrom", Failed: false })
            .Select(e => System.Text.Encoding.ASCII.GetString(e.Call!.Data.Span))];
        Assert.Equal(UdpLoss.Summarise(messages, received), events.Last(e => e.Printed is not null).Printed);
        string lost = expected.Single(p => p.Value == ImpairmentEffects.Lost).Key;
        string twice = expected.Single(p => p.Value == ImpairmentEffects.Duplicated).Key;
        string late = expected.Single(p => p.Value == ImpairmentEffects.Reordered).Key;
        Assert.DoesNotContain(lost, received);
        Assert.Equal(2, received.Count(r => r == twice));
        Assert.True(received.IndexOf(late) > received.IndexOf(messages[Array.IndexOf(messages, late) + 1]), "the held-back reply arrives after the next one");
    }

    [Fact]
    public async Task UdpEchoOnce_WithTheContextsImpairment_TheServersReplyGoesThroughIt()
    {
        var recorder = new DemoRecorder(TimeProvider.System);
        var duplicateAll = new ImpairmentSpec { DatagramsDown = new DatagramImpairment { Duplicate = 1 }, Seed = 1 };
        using var timeout = TestTimeout.Create();

        await DemoCatalog.Find("udp-echo-once")!.RunAsync(new DemoContext(recorder, impairment: duplicateAll), timeout.Token);

        IReadOnlyList<DemoEvent> events = recorder.Events;
        DemoEvent decided = Assert.Single(events, e => e.Lane == DemoLane.Server && e.Call is { Name: "sendto" } c && c.Impairment != ImpairmentEffects.None);
        Assert.Equal(ImpairmentEffects.Duplicated, decided.Call!.Impairment);
        Assert.Equal(2, events.Count(e => e.Lane == DemoLane.Server && e.Call is { Kind: TraceKind.Call, Name: "sendto", Impairment: ImpairmentEffects.None }));
    }

    [Fact]
    public async Task Scan_ThreePorts_OpenClosedOpen_EachWithWhy()
    {
        IReadOnlyList<DemoEvent> events = await RunAsync("scan");

        List<TraceEvent> connects = [.. events.Where(e => e.Lane == DemoLane.Client && e.Call is { Kind: TraceKind.Call, Name: "connect" }).Select(e => e.Call!)];
        Assert.Equal(3, connects.Count);
        Assert.EndsWith(": open", connects[0].Result, StringComparison.Ordinal);
        Assert.True(connects[1].Failed);
        Assert.EndsWith(": closed", connects[1].Result, StringComparison.Ordinal);
        Assert.EndsWith(": open", connects[2].Result, StringComparison.Ordinal);
        string[] verdicts = [.. events.Where(e => e.Lane == DemoLane.Client && e.Printed is not null).Select(e => e.Printed!)];
        Assert.Collection(verdicts,
            v => Assert.Contains("/tcp open (syn-ack): the handshake completed", v, StringComparison.Ordinal),
            v => Assert.Contains("/tcp closed (conn-refused): the SYN was answered with RST", v, StringComparison.Ordinal),
            v => Assert.Contains("/tcp open (syn-ack)", v, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TcpEcho_TheBytesGoThereAndBack_AndTheServerClosesAfterTheClient()
    {
        IReadOnlyList<DemoEvent> events = await RunAsync("tcp-echo");

        int sent = Index(events, DemoLane.Client, "sendall");
        int read = Index(events, DemoLane.Server, "recv", c => c.Length > 0, sent);
        int echoed = Index(events, DemoLane.Server, "sendall", after: read);
        int back = Index(events, DemoLane.Client, "recv", c => c.Length > 0, echoed);
        Index(events, DemoLane.Server, "close", c => c.Side.Contains('#', StringComparison.Ordinal), back);
        Assert.Equal("Hello World"u8.ToArray(), events[back].Call!.Data.ToArray());
    }
}
