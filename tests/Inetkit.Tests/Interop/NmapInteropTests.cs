using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Inetkit.Protocol;
using Inetkit.Scanning;
using Inetkit.Scanning.Reports;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Interop;

/// <summary>
/// Inetkit's XML against nmap's own: nmap and <c>inetkit scan</c> scan the same loopback ports, and ndiff must see no
/// difference. nmap is given Inetkit's service names (an nmap-services file in a --datadir, written here from
/// <see cref="ServiceNames"/> for exactly the scanned ports), so both name ports alike; Inetkit never reads nmap's
/// data. The closed ports are 1-N, checked free first (nmap must scan the very same list). Needs nmap and ndiff
/// (.ci/run installs them); skipped otherwise.
/// </summary>
public sealed class NmapInteropTests
{
    [Theory]
    [InlineData(30)] // more than 25 closed: an extraports summary on both sides
    [InlineData(25)] // 25 closed: listed port by port on both sides
    public async Task Tcp_NdiffSeesNoDifference(int closedCount)
    {
        using var timeout = TestTimeout.Create();
        (string nmap, string ndiff) = NmapTools.Require();
        NmapTools.RequireNothingOn("tcp", closedCount);
        using var listeners = LoopbackListeners.Start(2);
        int[] ports = [.. Enumerable.Range(1, closedCount), .. listeners.Ports];
        using var work = new WorkDirectory(ports, []);

        await AssertNoDifferenceAsync(nmap, ndiff, work, ["-sT"], ["-sT"], timeout.Token);
    }

    [Theory]
    [InlineData(30)]
    [InlineData(25)]
    public async Task Syn_NdiffSeesNoDifferenceFromNmapSS(int closedCount)
    {
        using var timeout = TestTimeout.Create();
        (string nmap, string ndiff) = NmapTools.Require();
        Assert.SkipUnless(Environment.UserName == "root", "-sS needs root (raw sockets), for nmap and inetkit alike");
        NmapTools.RequireNothingOn("tcp", closedCount);
        using var listeners = LoopbackListeners.Start(2);
        int[] ports = [.. Enumerable.Range(1, closedCount), .. listeners.Ports];
        using var work = new WorkDirectory(ports, []);

        XDocument ours = await AssertNoDifferenceAsync(nmap, ndiff, work, ["-sS"], ["-sS"], timeout.Token);

        Assert.Equal("syn", ours.Root!.Element("scaninfo")!.Attribute("type")!.Value);
    }

    [Fact]
    public async Task Udp_EveryState_NdiffSeesNoDifference()
    {
        using var timeout = TestTimeout.Create();
        (string nmap, string ndiff) = NmapTools.Require();
        Assert.SkipUnless(Environment.UserName == "root", "nmap -sU needs root (raw sockets)");
        NmapTools.RequireNothingOn("udp", 30);
        await using var echo = RawUdpPeer.Echo();
        await using var silent = RawUdpPeer.Silent();
        int[] ports = [.. Enumerable.Range(1, 30), echo.EndPoint.Port, silent.EndPoint.Port];
        using var work = new WorkDirectory([], ports);

        XDocument ours = await AssertNoDifferenceAsync(nmap, ndiff, work, ["-sU"], ["-sU", "--timeout", "500"], timeout.Token);

        // The comparison is only worth something if every UDP state was there to compare.
        XElement hostPorts = ours.Root!.Element("host")!.Element("ports")!;
        Assert.Equal("closed", hostPorts.Element("extraports")!.Attribute("state")!.Value);
        Assert.Equal(["open", "open|filtered"], hostPorts.Elements("port").OrderBy(p => (int)p.Attribute("portid")! == echo.EndPoint.Port ? 0 : 1).Select(p => p.Element("state")!.Attribute("state")!.Value));
    }

    private static async Task<XDocument> AssertNoDifferenceAsync(string nmap, string ndiff, WorkDirectory work, string[] nmapScan, string[] inetkitScan, CancellationToken cancellationToken)
    {
        var (nmapCode, _, nmapError) = await NmapTools.RunAsync(nmap, ["--datadir", work.Path, .. nmapScan, "-n", "-Pn", "-p", work.PortList, "-oX", work.Nmap, "127.0.0.1"], cancellationToken);
        Assert.True(nmapCode == 0, $"nmap failed: {nmapError}");
        var (code, _, error) = await CliRunner.RunToEndAsync(["scan", "127.0.0.1", .. inetkitScan, "-p", work.PortList, "--format", "xml", "-o", work.Inetkit]);
        Assert.True(code == 0, $"inetkit scan failed: {error}");

        await NmapTools.AssertNoDifferenceAsync(ndiff, work.Nmap, work.Inetkit, cancellationToken);
        XDocument theirs = Load(work.Nmap), ours = Load(work.Inetkit);
        // Inetkit's own element (the shard and what merge reads back) is the one thing nmap never writes; nmap's readers pass over it.
        Assert.Subset(Shape(theirs), Shape(ours).Where(p => !p.StartsWith("nmaprun/inetkit", StringComparison.Ordinal)).ToHashSet());
        Assert.NotNull(ours.Root!.Element("inetkit"));
        return ours;
    }

    /// <summary>Every element path and attribute name in a document: Inetkit writes nothing where nmap writes nothing.</summary>
    private static HashSet<string> Shape(XDocument document) =>
        [.. document.Descendants().SelectMany(e =>
        {
            string path = string.Join('/', e.AncestorsAndSelf().Reverse().Select(a => a.Name.LocalName));
            return e.Attributes().Select(a => $"{path}@{a.Name.LocalName}").Append(path);
        })];

    private static XDocument Load(string path)
    {
        using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    /// <summary>A temporary --datadir holding nmap-services for the scanned ports, and the two XML files.</summary>
    private sealed class WorkDirectory : IDisposable
    {
        public WorkDirectory(int[] tcp, int[] udp)
        {
            Path = Directory.CreateTempSubdirectory("inetkit-nmap-").FullName;
            PortList = string.Join(',', new[] { tcp.Length > 0 ? "T:" + PortRangeText.Format(tcp.Order()) : null, udp.Length > 0 ? "U:" + PortRangeText.Format(udp.Order()) : null }.OfType<string>());
            ServiceNames names = ServiceNames.FromSystem();
            IEnumerable<string> lines =
                from entry in tcp.Select(p => (Transport.Tcp, p)).Concat(udp.Select(p => (Transport.Udp, p)))
                let name = names.Lookup(entry.Item1, entry.p)
                where name is not null
                select $"{name}\t{entry.p}/{(entry.Item1 == Transport.Tcp ? "tcp" : "udp")}\t0.001";
            File.WriteAllLines(System.IO.Path.Combine(Path, "nmap-services"), lines);
        }

        public string Path { get; }

        public string PortList { get; }

        public string Nmap => System.IO.Path.Combine(Path, "nmap.xml");

        public string Inetkit => System.IO.Path.Combine(Path, "inetkit.xml");

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
