using Inetkit.Scanning;
using Inetkit.Scanning.Reports;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Scanning.Reports;

/// <summary>The CSV report from real scans of loopback: RFC 4180 quoting of what services say, and no spreadsheet formulas.</summary>
public sealed class CsvReportWriterTests
{
    private const string Header = "host,name,protocol,port,state,service,reason,banner,type";

    [Fact]
    public async Task OpenPortsListed_ClosedLeftOut_LinesEndInCrLf()
    {
        using var timeout = TestTimeout.Create();
        using var listeners = LoopbackListeners.Start(1);
        await using var echo = RawUdpPeer.Echo();
        int tcp = listeners.Ports[0], udp = echo.EndPoint.Port;
        ScanReport report = await LoopbackScan.RunAsync([tcp, .. ClosedPort.Tcp(2)], [udp, ClosedPort.Udp()], timeout.Token);

        string csv = LoopbackScan.Render(CsvReportWriter.Write, report, new ReportContext(LoopbackScan.Names(("web", tcp, "tcp")), "inetkit scan"));

        Assert.Equal($"{Header}\r\n127.0.0.1,,tcp,{tcp},open,web,syn-ack,,connect\r\n127.0.0.1,,udp,{udp},open,,udp-response,,udp\r\n", csv);
    }

    [Fact]
    public async Task ShowClosed_ListsClosedPorts_WithTheHostName()
    {
        using var timeout = TestTimeout.Create();
        int[] closed = ClosedPort.Tcp(2);
        ScanReport report = await LoopbackScan.RunAsync(closed, [], timeout.Token, keepAll: true, host: new Inetkit.Scanning.ScanHost(System.Net.IPAddress.Loopback, "localhost"));

        string csv = LoopbackScan.Render(CsvReportWriter.Write, report, new ReportContext(ServiceNames.FromText(""), "inetkit scan") { ShowClosed = true });

        Assert.Equal([Header, .. closed.Select(p => $"127.0.0.1,localhost,tcp,{p},closed,,conn-refused,,connect"), ""], csv.Split("\r\n"));
    }

    [Theory]
    [InlineData("Hello, world", "\"Hello, world\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")]
    public async Task Banner_IsQuotedByRfc4180_AndCannotBecomeAFormula(string banner, string field)
    {
        using var timeout = TestTimeout.Create();
        await using var talker = RawTcpPeer.SendAndClose(System.Text.Encoding.ASCII.GetBytes(banner + "\r\n"));
        int port = talker.EndPoint.Port;
        ScanReport report = await LoopbackScan.RunAsync([port], [], timeout.Token, banner: true);

        string csv = LoopbackScan.Render(CsvReportWriter.Write, report, new ReportContext(ServiceNames.FromText(""), "inetkit scan --banner") { Banners = true });

        Assert.Equal($"{Header}\r\n127.0.0.1,,tcp,{port},open,,syn-ack,{field},connect\r\n", csv);
    }
}
