using System.Globalization;
using System.Net;
using System.Text.Json;
using Inetkit.Scanning;
using Inetkit.Scanning.Reports;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Scanning.Reports;

/// <summary>The JSON report, parsed back with System.Text.Json from real scans of loopback: the issue's shape, key by key.</summary>
public sealed class JsonReportWriterTests
{
    [Fact]
    public async Task OpenAndOpenFiltered_AreListed_ClosedOnlyCounted_AsTheIssueGivesThem()
    {
        using var timeout = TestTimeout.Create();
        using var listeners = LoopbackListeners.Start(1);
        await using var echo = RawUdpPeer.Echo();
        await using var silent = RawUdpPeer.Silent();
        int tcpOpen = listeners.Ports[0], udpOpen = echo.EndPoint.Port, udpSilent = silent.EndPoint.Port;
        ScanReport report = await LoopbackScan.RunAsync([tcpOpen, .. ClosedPort.Tcp(2)], [udpOpen, udpSilent, ClosedPort.Udp()], timeout.Token);
        var context = new ReportContext(LoopbackScan.Names(("web", tcpOpen, "tcp"), ("answers", udpOpen, "udp")), "inetkit scan 127.0.0.1 --format json");

        using JsonDocument json = Parse(report, context);

        JsonElement root = json.RootElement;
        Assert.Equal("inetkit", root.GetProperty("scanner").GetString());
        Assert.Equal("inetkit scan 127.0.0.1 --format json", root.GetProperty("args").GetString());
        JsonElement host = Assert.Single(root.GetProperty("hosts").EnumerateArray());
        Assert.Equal("127.0.0.1", host.GetProperty("address").GetString());
        Assert.Equal("up", host.GetProperty("status").GetString());
        Assert.False(host.TryGetProperty("name", out _));
        Assert.Equal(
            [(tcpOpen, "tcp", "open", "web", "syn-ack"), .. new[] { (udpOpen, "udp", "open", "answers", "udp-response"), (udpSilent, "udp", "open|filtered", (string?)null, "no-response") }.OrderBy(p => p.Item1)],
            host.GetProperty("ports").EnumerateArray().Select(p => (p.GetProperty("port").GetInt32(), p.GetProperty("protocol").GetString(), p.GetProperty("state").GetString(), p.GetProperty("service").GetString(), p.GetProperty("reason").GetString())));
        Assert.Equal((1, 1), Counts(host, "open"));
        Assert.Equal((0, 1), Counts(host, "open_filtered"));
        Assert.Equal((0, 0), Counts(host, "filtered"));
        Assert.Equal((2, 1), Counts(host, "closed"));
    }

    [Fact]
    public async Task Summary_CountsEveryStateAndSaysTheScanIsComplete()
    {
        using var timeout = TestTimeout.Create();
        using var listeners = LoopbackListeners.Start(2);
        await using var silent = RawUdpPeer.Silent();
        ScanReport report = await LoopbackScan.RunAsync([.. listeners.Ports, .. ClosedPort.Tcp(3)], [silent.EndPoint.Port], timeout.Token);

        using JsonDocument json = Parse(report, new ReportContext(ServiceNames.FromText(""), "inetkit scan"));

        JsonElement summary = json.RootElement.GetProperty("summary");
        Assert.Equal(
            ["hosts", "hosts_up", "ports_scanned", "open", "open_filtered", "filtered", "closed", "probes", "started", "elapsed_s", "ports_per_s", "complete", "notices"],
            summary.EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            [("hosts", 1), ("hosts_up", 1), ("ports_scanned", 6), ("open", 2), ("open_filtered", 1), ("filtered", 0), ("closed", 3)],
            summary.EnumerateObject().Take(7).Select(p => (p.Name, p.Value.GetInt32())));
        Assert.Equal(7, summary.GetProperty("probes").GetInt32()); // the silent port is tried twice (--retries 1)
        Assert.Equal(report.Started.ToUnixTimeMilliseconds(), DateTimeOffset.Parse(summary.GetProperty("started").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
        Assert.Equal(Math.Round(report.Elapsed.TotalSeconds, 3), summary.GetProperty("elapsed_s").GetDouble());
        Assert.True(summary.GetProperty("ports_per_s").GetDouble() > 0);
        Assert.True(summary.GetProperty("complete").GetBoolean());
        Assert.Empty(summary.GetProperty("notices").EnumerateArray());
    }

    [Fact]
    public async Task ShowClosed_ListsClosedPortsToo()
    {
        using var timeout = TestTimeout.Create();
        using var listeners = LoopbackListeners.Start(1);
        int[] closed = ClosedPort.Tcp(3);
        ScanReport report = await LoopbackScan.RunAsync([listeners.Ports[0], .. closed], [], timeout.Token, keepAll: true);

        using JsonDocument json = Parse(report, new ReportContext(ServiceNames.FromText(""), "inetkit scan --show-closed") { ShowClosed = true });

        JsonElement ports = json.RootElement.GetProperty("hosts")[0].GetProperty("ports");
        Assert.Equal(
            [.. closed.Append(listeners.Ports[0]).Order().Select(p => (p, p == listeners.Ports[0] ? "open" : "closed"))],
            ports.EnumerateArray().Select(p => (p.GetProperty("port").GetInt32(), p.GetProperty("state").GetString())));
        Assert.All(ports.EnumerateArray(), p => Assert.Equal(JsonValueKind.Null, p.GetProperty("service").ValueKind));
    }

    [Fact]
    public async Task HostName_AndBanner_AreIncludedWhenThereAreAny()
    {
        using var timeout = TestTimeout.Create();
        await using var talker = RawTcpPeer.SendAndClose("SSH-2.0-InetkitTest\r\n"u8.ToArray(), ipv6: true);
        using var mute = LoopbackListeners.Start(1, IPAddress.IPv6Loopback);
        ScanReport report = await LoopbackScan.RunAsync([talker.EndPoint.Port, mute.Ports[0]], [], timeout.Token, host: new ScanHost(IPAddress.IPv6Loopback, "localhost"), banner: true);

        using JsonDocument json = Parse(report, new ReportContext(ServiceNames.FromText(""), "inetkit scan localhost --banner") { Banners = true });

        JsonElement host = json.RootElement.GetProperty("hosts")[0];
        Assert.Equal(("::1", "localhost"), (host.GetProperty("address").GetString(), host.GetProperty("name").GetString()));
        JsonElement[] ports = [.. host.GetProperty("ports").EnumerateArray()];
        Assert.Equal("SSH-2.0-InetkitTest", ports.Single(p => p.GetProperty("port").GetInt32() == talker.EndPoint.Port).GetProperty("banner").GetString());
        Assert.False(ports.Single(p => p.GetProperty("port").GetInt32() == mute.Ports[0]).TryGetProperty("banner", out _));
    }

    private static JsonDocument Parse(ScanReport report, ReportContext context)
    {
        string text = LoopbackScan.Render(JsonReportWriter.Write, report, context);
        Assert.EndsWith("}\n", text, StringComparison.Ordinal);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // one document, one line
        return JsonDocument.Parse(text);
    }

    private static (int Tcp, int Udp) Counts(JsonElement host, string state) =>
        (host.GetProperty(state).GetProperty("tcp").GetInt32(), host.GetProperty(state).GetProperty("udp").GetInt32());
}
