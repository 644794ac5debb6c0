using Inetkit.Scanning;
using Inetkit.Scanning.Reports;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Scanning.Reports;

/// <summary>The terminal table, rendered from real scans of loopback listeners and closed ports: nmap's layout and its 25-port rule.</summary>
public sealed class TextReportWriterTests
{
    // Ephemeral ports have five digits, so "PORT" is padded to the width of "40123/tcp".
    private const string Header = "PORT      STATE SERVICE";

    [Theory]
    [InlineData(26)]
    [InlineData(30)]
    public async Task MoreThan25Closed_AreSummarisedAsNotShown_OpenPortsListed(int closedCount)
    {
        using var timeout = TestTimeout.Create();
        using var listeners = LoopbackListeners.Start(2);
        (int a, int b) = (listeners.Ports[0], listeners.Ports[1]);
        ScanReport report = await LoopbackScan.RunAsync([.. listeners.Ports, .. ClosedPort.Tcp(closedCount)], [], timeout.Token);
        var context = new ReportContext(LoopbackScan.Names(("alpha", a, "tcp"), ("beta", b, "tcp")), "inetkit scan 127.0.0.1");

        string[] lines = LoopbackScan.Render(TextReportWriter.Write, report, context).Split('\n');

        Assert.Equal(
            ["Inetkit scan report for 127.0.0.1", "Host is up.", $"Not shown: {closedCount} closed tcp ports (conn-refused)", Header, $"{a}/tcp open  alpha", $"{b}/tcp open  beta", ""],
            lines[..7]);
        Assert.Matches(SummaryLine(closedCount + 2, 2), lines[7]);
        Assert.Equal([""], lines[8..]);
    }

    [Fact]
    public async Task Exactly25Closed_AreListedOneByOne_InPortOrder()
    {
        using var timeout = TestTimeout.Create();
        using var listeners = LoopbackListeners.Start(1);
        int[] closed = ClosedPort.Tcp(25);
        ScanReport report = await LoopbackScan.RunAsync([.. listeners.Ports, .. closed], [], timeout.Token);

        string[] lines = LoopbackScan.Render(TextReportWriter.Write, report, new ReportContext(ServiceNames.FromText(""), "inetkit scan")).Split('\n');

        Assert.DoesNotContain(lines, l => l.StartsWith("Not shown", StringComparison.Ordinal));
        Assert.Equal("PORT      STATE  SERVICE", lines[2]);
        string[] rows = lines[3..29];
        Assert.Equal(
            [.. closed.Append(listeners.Ports[0]).Order().Select(p => p == listeners.Ports[0] ? $"{p}/tcp open   unknown" : $"{p}/tcp closed unknown")],
            rows);
        Assert.Equal("", lines[29]);
        Assert.Matches(SummaryLine(26, 1), lines[30]);
    }

    [Fact]
    public async Task EveryState_TcpAndUdp_OneNotShownEntryPerProtocol_RowsTcpFirst()
    {
        using var timeout = TestTimeout.Create();
        using var listeners = LoopbackListeners.Start(1);
        await using var echo = RawUdpPeer.Echo();
        await using var silent = RawUdpPeer.Silent();
        int tcpOpen = listeners.Ports[0], udpOpen = echo.EndPoint.Port, udpSilent = silent.EndPoint.Port;
        ScanReport report = await LoopbackScan.RunAsync([tcpOpen, .. ClosedPort.Tcp(30)], [udpOpen, udpSilent, .. ClosedPort.Udp(30)], timeout.Token);
        var context = new ReportContext(LoopbackScan.Names(("web", tcpOpen, "tcp"), ("answers", udpOpen, "udp"), ("quiet", udpSilent, "udp")), "inetkit scan");

        string[] lines = LoopbackScan.Render(TextReportWriter.Write, report, context).Split('\n');

        Assert.Equal("Not shown: 30 closed tcp ports (conn-refused), 30 closed udp ports (port-unreach)", lines[2]);
        Assert.Equal("PORT      STATE         SERVICE", lines[3]);
        Assert.Equal($"{tcpOpen}/tcp open          web", lines[4]);
        Assert.Equal(
            [.. new[] { (udpOpen, "open         ", "answers"), (udpSilent, "open|filtered", "quiet") }.OrderBy(r => r.Item1).Select(r => $"{r.Item1}/udp {r.Item2} {r.Item3}")],
            lines[5..7]);
        Assert.Matches(SummaryLine(63, 2), lines[8]);
    }

    [Fact]
    public async Task Banners_AddABannerColumn_EmptyWhereTheServiceSaidNothing()
    {
        using var timeout = TestTimeout.Create();
        await using var talker = RawTcpPeer.SendAndClose("220 inetkit test ready\r\nsecond line\r\n"u8.ToArray());
        using var mute = LoopbackListeners.Start(1);
        ScanReport report = await LoopbackScan.RunAsync([talker.EndPoint.Port, mute.Ports[0]], [], timeout.Token, banner: true);
        var context = new ReportContext(ServiceNames.FromText(""), "inetkit scan --banner") { Banners = true };

        string[] lines = LoopbackScan.Render(TextReportWriter.Write, report, context).Split('\n');

        Assert.Equal("PORT      STATE SERVICE BANNER", lines[2]);
        Assert.Equal(
            [.. new[] { (talker.EndPoint.Port, " 220 inetkit test ready"), (mute.Ports[0], "") }.OrderBy(r => r.Item1).Select(r => $"{r.Item1}/tcp open  unknown{r.Item2}")],
            lines[3..5]);
    }

    [Fact]
    public async Task NothingToList_SaysSo()
    {
        using var timeout = TestTimeout.Create();
        ScanReport report = await LoopbackScan.RunAsync(ClosedPort.Tcp(26), [], timeout.Token);

        string[] lines = LoopbackScan.Render(TextReportWriter.Write, report, new ReportContext(ServiceNames.FromText(""), "inetkit scan")).Split('\n');

        Assert.Equal(["Not shown: 26 closed tcp ports (conn-refused)", "All 26 scanned ports on 127.0.0.1 are in the states above: none to list.", ""], lines[2..5]);
        Assert.Matches(SummaryLine(26, 0), lines[5]);
    }

    [Fact]
    public async Task ScanStoppedBeforeItStarted_SummarySaysIncomplete()
    {
        using var timeout = TestTimeout.Create();
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync();
        ScanReport report = await LoopbackScan.RunAsync(ClosedPort.Tcp(3), [], stopped.Token);

        string text = LoopbackScan.Render(TextReportWriter.Write, report, new ReportContext(ServiceNames.FromText(""), "inetkit scan"));

        Assert.False(report.Complete);
        Assert.Matches(@"Inetkit done: 1 host \(1 up\), 0 ports scanned in \d+\.\d\d s \(0 ports/s\); 0 open \(stopped early: incomplete\)\n$", text);
    }

    private static string SummaryLine(int ports, int open) => $@"^Inetkit done: 1 host \(1 up\), {ports} ports scanned in \d+\.\d\d s \([\d,]+ ports/s\); {open} open$";
}
