using Inetkit.Cli;
using Inetkit.Protocol;
using Inetkit.Scanning;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// Inputs kept from fuzz/run.sh (AFL++ through SharpFuzz; fuzz/README.md): each crashed a parser once, or reached
/// a path the seeds did not, and must now get the parser's own answer.
/// </summary>
public sealed class FuzzRegressionTests
{
    /// <summary>
    /// The cli target's crashes, minimised, as the content of a response file (inetkit @FILE): System.CommandLine
    /// let a NUL in a file-name value or in a nested @NAME, a directory, and a file naming itself escape as an
    /// ArgumentException, an UnauthorizedAccessException or a stack overflow. {self} stands for the file's own path.
    /// </summary>
    [Theory]
    [InlineData("scan\n127.0.0.1\n--scope\na\0b\n")]
    [InlineData("serve\necho\n--quotes\nq\0\n")]
    [InlineData("scan\n127.0.0.1\n--output\n\0\n")]
    [InlineData("scan\n@a\0b\n")]
    [InlineData("@.\n")]
    [InlineData("scan\n@{self}\n")]
    public async Task Cli_ResponseFile_IsRefusedInOneLine_Exit2(string content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"inetkit-fuzz-{Guid.NewGuid():N}.rsp");
        await File.WriteAllTextAsync(path, content.Replace("{self}", path, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var output = new LineWriter();
        var error = new LineWriter();
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync(); // a command that wrongly runs stops at once
        try
        {
            int code = await InetkitCli.RunAsync(["@" + path], output, error, stopped.Token).WaitAsync(TestTimeout.Create().Token);

            Assert.Equal(2, code);
            Assert.Empty(output.Lines);
            Assert.Contains(error.Lines, line => line.StartsWith("inetkit: response file @", StringComparison.Ordinal));
            Assert.DoesNotContain(error.Lines, line => line.Contains("   at ", StringComparison.Ordinal) || line.Contains("Exception", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Cli_ResponseFileThatNeverEnds_IsRefusedAtItsLimit_Exit2()
    {
        Assert.SkipUnless(File.Exists("/dev/zero"), "needs /dev/zero");
        var output = new LineWriter();
        var error = new LineWriter();

        int code = await InetkitCli.RunAsync(["@/dev/zero"], output, error, TestContext.Current.CancellationToken).WaitAsync(TestTimeout.Create().Token);

        Assert.Equal(2, code);
        Assert.Empty(output.Lines);
        Assert.Contains("inetkit: response file @/dev/zero is larger than 1,048,576 characters; it should hold arguments, one or more per line", error.Lines);
    }

    /// <summary>Port lists the port target reached new edges with; -1: refused.</summary>
    [Theory]
    [InlineData("\r", -1)] // blank once trimmed: "the port list is empty"
    [InlineData("u:-", 65535)] // every UDP port, from an open range behind a prefix
    [InlineData("1- ,21-", 65535 * 2)] // a blank after an open range is trimmed away; no prefix: both protocols
    [InlineData("u:-,t7", -1)] // "t7" is no prefix and no port
    [InlineData("u:7,u:7,u:7:", -1)] // a prefix that names no port
    public void PortSpec_FuzzedInput_ParsesOrSaysWhy(string text, int probes)
    {
        if (probes < 0)
        {
            Assert.Throws<FormatException>(() => PortSpec.Parse(text, tcp: true, udp: true));
            return;
        }
        Assert.Equal(probes, PortSpec.Parse(text, tcp: true, udp: true).Count);
    }

    /// <summary>Targets the target target reached new edges with; -1: refused.</summary>
    [Theory]
    [InlineData("192.0.2.6-::192.0.2.1", -1)] // a range from an IPv4 to an IPv6 address
    [InlineData("bb88::1-2001::", -1)] // an IPv6 range running backwards
    [InlineData("80.*.*.*", -1)] // 2^24 addresses: over MaxAddresses
    [InlineData("::ffff:8fff:8", 1)] // IPv4-mapped IPv6: one (IPv4) address
    [InlineData("192.0/32", -1)] // a short IPv4 form, which IPAddress.TryParse reads as 192.0.0.0
    [InlineData("0/20\n", -1)] // "0" is 0.0.0.0 to IPAddress.TryParse
    public void TargetSpec_FuzzedInput_ParsesOrSaysWhy(string text, int addresses)
    {
        if (addresses < 0)
        {
            Assert.Throws<FormatException>(() => TargetSpec.Parse([text]));
            return;
        }
        Assert.Equal(addresses, (int)TargetSpec.Parse([text]).Ranges.Sum(r => (long)r.Count));
    }

    /// <summary>Scope files the scope target reached new edges with, each refused with what its message names.</summary>
    [Theory]
    [InlineData("authorized-by:\n[\n\n\nb", "line 2: '['")] // a field with no value, then an entry of brackets alone
    [InlineData("authorized-by: J\n192.0.2.1-\n", "line 2: '192.0.2.1-'")] // an octet range with no end
    [InlineData("2026-12.\r1.2.1\n", "line 1:")] // a carriage return inside an entry
    [InlineData("authorized-by: JDoe\nreference: \nexpires: 202-31\n192.0.2.1\n", "'reference:' is missing")]
    public void ScanScope_FuzzedInput_SaysWhy(string text, string problem)
    {
        ScopeException refused = Assert.Throws<ScopeException>(() => ScanScope.Parse(text, "scope.txt"));

        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Quotes files the quotes target reached new edges with; a null problem: the file parses.</summary>
    [Theory]
    [InlineData("\n\n  \nQuo\u007f%\n\n", "quote 1 (line 4) holds a control character")] // DEL, after blank lines that do not count
    [InlineData("%\n%\n%\n \0", "quote 1 (line 4) holds a control character")] // NUL after empty entries
    [InlineData("%", "holds no quotes")]
    [InlineData("\n@ \nJ", null)] // one quote of two lines, the leading blank line dropped
    public void QuoteBook_FuzzedInput_ParsesOrSaysWhy(string text, string? problem)
    {
        if (problem is null)
        {
            Assert.Equal("@ \r\nJ\r\n"u8.ToArray(), Assert.Single(QuoteBook.Parse(text, "quotes.txt").Quotes).ToArray());
            return;
        }
        QuotesFileException refused = Assert.Throws<QuotesFileException>(() => QuoteBook.Parse(text, "quotes.txt"));
        Assert.StartsWith(problem, refused.Problem, StringComparison.Ordinal);
    }

    /// <summary>The one shard the shard target found beyond its seeds, and two seeds at the edges; 0: refused.</summary>
    [Theory]
    [InlineData("1/0", 0)] // no shares at all
    [InlineData("+1/2", 0)] // a sign, which int.Parse would take
    [InlineData("1000000/1000000", 1_000_000)]
    public void ScanShard_FuzzedInput_ParsesOrSaysWhy(string text, int count)
    {
        if (count == 0)
        {
            Assert.Throws<FormatException>(() => ScanShard.Parse(text));
            return;
        }
        Assert.Equal(count, ScanShard.Parse(text).Count);
    }

    /// <summary>
    /// From the target corpus's short CIDR forms: in a scope file, 192.168/16 read as 192.0.0.0/16 and authorized a
    /// network the user never named; it is refused, and says what it would have meant.
    /// </summary>
    [Theory]
    [InlineData("192.168/16", "'192.168' reads as 192.0.0.168")]
    [InlineData("10.1/16", "'10.1' reads as 10.0.0.1")]
    public void ScanScope_ShortCidr_IsRefused(string entry, string problem)
    {
        ScopeException refused = Assert.Throws<ScopeException>(() => ScanScope.Parse($"authorized-by: a\nreference: r\nexpires: 2026-12-31\n{entry}\n", "scope.txt"));

        Assert.Contains($"line 4: '{entry}': write the network's address with all four octets ({problem})", refused.Message, StringComparison.Ordinal);
    }
}
