using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using Inetkit.Scanning.Reports;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Scanning;

/// <summary>
/// <c>inetkit merge</c>: the N shards of a loopback scan, merged, are the unsharded scan's report (ndiff sees nothing,
/// the XML is equal but for times, the JSON equal but for times and its record of sources); and what must be refused is.
/// The closed ports are 1-N, checked free first, so that the sharded and the unsharded scans see the same states.
/// </summary>
public sealed class ReportMergeTests
{
    [Theory]
    [InlineData(40, "xml", "xml")] // 40 closed: summarised whole, each shard's ten or so listed port by port
    [InlineData(40, "json", "xml")]
    [InlineData(20, "xml", "json")] // 20 closed: listed port by port in the whole, and in every shard
    [InlineData(20, "json", "json")]
    public async Task Shards_MergeToTheUnshardedScan(int closed, string shardFormat, string mergedFormat)
    {
        using var timeout = TestTimeout.Create();
        NmapTools.RequireNothingOn("tcp", closed);
        using var listeners = LoopbackListeners.Start(3);
        using var cli = new ScanCli();
        string ports = PortRangeText.Format([.. Enumerable.Range(1, closed), .. listeners.Ports]);

        string whole = await cli.ReportAsync("whole." + mergedFormat, "127.0.0.1", "-p", ports, "--format", mergedFormat);
        string[] shards = await cli.ShardReportsAsync(4, shardFormat, "127.0.0.1", "-p", ports);
        string merged = Path.Combine(cli.Directory, "merged." + mergedFormat);
        var (code, _, error) = await CliRunner.RunToEndAsync(["merge", .. shards, "--format", mergedFormat, "-o", merged]);

        Assert.True(code == 0, error);
        if (mergedFormat == "xml")
        {
            (_, string ndiff) = NmapTools.Require();
            await NmapTools.AssertNoDifferenceAsync(ndiff, whole, merged, timeout.Token);
            Assert.Equal(Timeless(whole, dropSources: false).ToString(), Timeless(merged, dropSources: true).ToString());
            Assert.Equal(shards.Select(Path.GetFileName), XDocument.Load(merged).Root!.Element("inetkit")!.Elements("source").Select(s => Path.GetFileName((string)s.Attribute("file")!)));
        }
        else
        {
            JsonNode expected = JsonTimeless(whole), actual = JsonTimeless(merged);
            Assert.True(JsonNode.DeepEquals(expected, actual), $"merged:\n{actual}\nwhole:\n{expected}");
            Assert.Equal(shards, JsonNode.Parse(File.ReadAllText(merged))!["scan"]!["merged_from"]!.AsArray().Select(s => (string)s!["file"]!));
        }
        // Every port is in the merge once: the states add up to the ports asked for.
        Assert.Contains($"{closed + 3} ports scanned", (await CliRunner.RunToEndAsync(["merge", .. shards])).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowClosed_Shards_MergeToEveryPortListed()
    {
        NmapTools.RequireNothingOn("tcp", 30);
        using var listeners = LoopbackListeners.Start(1);
        using var cli = new ScanCli();
        string ports = PortRangeText.Format([.. Enumerable.Range(1, 30), .. listeners.Ports]);

        string whole = await cli.ReportAsync("whole.json", "127.0.0.1", "-p", ports, "--show-closed", "--format", "json");
        string[] shards = await cli.ShardReportsAsync(3, "xml", "127.0.0.1", "-p", ports, "--show-closed");
        var (code, output, error) = await CliRunner.RunToEndAsync(["merge", .. shards, "--format", "json"]);

        Assert.True(code == 0, error);
        JsonNode merged = JsonNode.Parse(output)!;
        Assert.Equal(31, merged["hosts"]![0]!["ports"]!.AsArray().Count);
        Assert.True(JsonNode.DeepEquals(JsonTimeless(whole), ReportJson.Timeless(merged)), $"merged:\n{merged}");
    }

    [Fact]
    public async Task MissingShard_Exit2_NamesIt_PartialMergesTheRest_AndALateShardCompletesIt()
    {
        NmapTools.RequireNothingOn("tcp", 40);
        using var listeners = LoopbackListeners.Start(2);
        using var cli = new ScanCli();
        string ports = PortRangeText.Format([.. Enumerable.Range(1, 40), .. listeners.Ports]);
        string whole = await cli.ReportAsync("whole.json", "127.0.0.1", "-p", ports, "--format", "json");
        string[] shards = await cli.ShardReportsAsync(8, "xml", "127.0.0.1", "-p", ports);
        string[] present = [.. shards.Where((_, i) => i != 2)];

        var refused = await CliRunner.RunToEndAsync(["merge", .. present]);
        string partial = Path.Combine(cli.Directory, "partial.xml");
        var merged = await CliRunner.RunToEndAsync(["merge", .. present, "--partial", "--format", "xml", "-o", partial]);
        var json = await CliRunner.RunToEndAsync(["merge", partial, "--partial", "--format", "json"]);
        var completed = await CliRunner.RunToEndAsync(["merge", partial, shards[2], "--format", "json"]);

        Assert.Equal((2, "", "inetkit: merge: shard 3/8 missing; give every shard's report, or merge what is there with --partial\n"), refused);
        Assert.Equal(0, merged.Code);
        Assert.Contains("3/8 missing", merged.Err, StringComparison.Ordinal);
        XElement inetkit = XDocument.Load(partial).Root!.Element("inetkit")!;
        Assert.Equal("false", (string?)inetkit.Attribute("complete"));
        Assert.Equal(["3/8"], inetkit.Elements("missing").Select(m => (string)m.Attribute("shard")!));
        Assert.Equal("error", (string?)XDocument.Load(partial).Root!.Element("runstats")!.Element("finished")!.Attribute("exit"));
        JsonNode report = JsonNode.Parse(json.Out)!;
        Assert.False((bool)report["summary"]!["complete"]!);
        Assert.Equal(["3/8"], report["scan"]!["missing_shards"]!.AsArray().Select(m => (string)m!));
        Assert.Contains(report["summary"]!["notices"]!.AsArray(), n => ((string)n!).Contains("Merged without shard 3/8", StringComparison.Ordinal));
        Assert.Equal(0, completed.Code);
        Assert.True(JsonNode.DeepEquals(JsonTimeless(whole), ReportJson.Timeless(JsonNode.Parse(completed.Out)!)), completed.Out);
    }

    [Fact]
    public async Task ShardTwice_Exit2()
    {
        using var cli = new ScanCli();
        string[] shards = await cli.ShardReportsAsync(2, "json", "127.0.0.1", "-p", "1-10");

        var (code, output, error) = await CliRunner.RunToEndAsync(["merge", shards[0], shards[1], shards[0]]);

        Assert.Equal((2, "", $"inetkit: merge: shard 1/2 given twice ({shards[0]}); give each shard once\n"), (code, output, error));
    }

    [Theory]
    [InlineData("127.0.0.1 -p 1-10", "127.0.0.2 -p 1-10", "the targets differ (127.0.0.1 against 127.0.0.2)")]
    [InlineData("127.0.0.1 -p 1-10", "127.0.0.1 -p 1-12", "the ports differ (T:1-10 against T:1-12)")]
    [InlineData("127.0.0.1 -p 1-10 --shard 1/2", "127.0.0.1 -p 1-10 --shard 2/3", "the shard count differs (2 against 3)")]
    public async Task DifferentScans_Exit2_SaysWhatDiffers(string first, string second, string difference)
    {
        using var cli = new ScanCli();
        string a = await cli.ReportAsync("a.xml", [.. first.Split(' '), "--format", "xml"]);
        string b = await cli.ReportAsync("b.json", [.. second.Split(' '), "--format", "json"]);

        var (code, output, error) = await CliRunner.RunToEndAsync(["merge", a, b]);

        Assert.Equal((2, "", $"inetkit: merge: {a} and {b} are reports of different scans: {difference}; merge only the shards of one scan\n"), (code, output, error));
    }

    [Fact]
    public async Task DifferentScanType_Exit2()
    {
        using var cli = new ScanCli();
        string a = await cli.ReportAsync("a.xml", "127.0.0.1", "-p", "1-10", "--format", "xml", "--shard", "1/2");
        string b = cli.File("b.xml", File.ReadAllText(a).Replace("<scaninfo type=\"connect\"", "<scaninfo type=\"syn\"", StringComparison.Ordinal).Replace("shard=\"1/2\"", "shard=\"2/2\"", StringComparison.Ordinal));

        var (code, _, error) = await CliRunner.RunToEndAsync(["merge", a, b]);

        Assert.Equal((2, $"inetkit: merge: {a} and {b} are reports of different scans: the scan type differs (connect against syn); merge only the shards of one scan\n"), (code, error));
    }

    [Theory]
    [InlineData("not a report", "neither an XML nor a JSON report (write one with inetkit scan --format xml or json)")]
    [InlineData("<nmaprun scanner=\"nmap\"><scaninfo type=\"connect\" protocol=\"tcp\" services=\"1-10\"/></nmaprun>", "nmap's XML without Inetkit's shard record; merge reads the reports of inetkit scan --format xml")]
    [InlineData("{\"hosts\": []}", "JSON without Inetkit's \"scan\" record; merge reads the reports of inetkit scan --format json")]
    [InlineData("<nmaprun><inetkit", "not a report of inetkit scan (")]
    public async Task NotAReport_Exit2_OneLineNamingTheFile(string text, string says)
    {
        using var cli = new ScanCli();
        string path = cli.File("bad", text);

        var (code, output, error) = await CliRunner.RunToEndAsync(["merge", path]);

        Assert.Equal((2, ""), (code, output));
        Assert.StartsWith($"inetkit: merge: {path}: {says}", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task MissingFile_Exit2()
    {
        string path = Path.Combine(Path.GetTempPath(), $"inetkit-no-such-{Guid.NewGuid():N}.xml");

        var (code, _, error) = await CliRunner.RunToEndAsync(["merge", path]);

        Assert.Equal(2, code);
        Assert.StartsWith($"inetkit: merge: {path}: cannot be read (", error, StringComparison.Ordinal);
    }

    /// <summary>The XML without what differs between runs (times, the command line, the comment) or between a scan and a merge (its sources, its shard).</summary>
    private static XElement Timeless(string path, bool dropSources)
    {
        using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, IgnoreWhitespace = true });
        XElement root = XDocument.Load(reader).Root!;
        foreach (XAttribute attribute in root.DescendantsAndSelf().Attributes().Where(a => a.Name.LocalName is "start" or "startstr" or "time" or "timestr" or "elapsed" or "summary" or "starttime" or "endtime" or "args").ToList())
        {
            attribute.Remove();
        }
        if (dropSources)
        {
            root.Element("inetkit")!.Elements("source").Remove();
        }
        foreach (XElement empty in root.DescendantsAndSelf().Where(e => !e.Nodes().Any()))
        {
            empty.Add(""); // <a/> and <a></a> alike: what was between them is gone with the whitespace
        }
        return root;
    }

    private static JsonNode JsonTimeless(string path) => ReportJson.Timeless(JsonNode.Parse(File.ReadAllText(path))!);

}
