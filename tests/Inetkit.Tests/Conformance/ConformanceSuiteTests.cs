using System.Net;
using Inetkit.Conformance;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Conformance;

public sealed class ConformanceSuiteTests
{
    [Fact]
    public void EveryCase_HasAUniqueIdOfServiceTransportName_AnRfcAndItsSentence()
    {
        Assert.Equal(ConformanceSuite.All.Count, ConformanceSuite.All.Select(c => c.Id).Distinct().Count());
        Assert.All(ConformanceSuite.All, c =>
        {
            Assert.Matches(@"^(echo|discard|chargen|qotd|daytime|time)/(tcp|udp)/[a-z0-9-]+$", c.Id);
            Assert.StartsWith("RFC ", c.Rfc, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(c.Quote));
        });
    }

    [Fact]
    public void DocsConformance_ListsEveryCase_WithItsLevelAndTheSentenceItRestsOn()
    {
        string? root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "docs", "conformance.md")))
        {
            root = Path.GetDirectoryName(root);
        }
        Assert.SkipWhen(root is null, "docs/conformance.md is not above the test binaries (not run from the repository)");
        string doc = File.ReadAllText(Path.Combine(root, "docs", "conformance.md"));

        Assert.All(ConformanceSuite.All, c => Assert.Contains($"| `{c.Id}` | {c.Level.ToString().ToLowerInvariant()} | {c.Rfc}: \"{c.Quote.Replace("|", "\\|", StringComparison.Ordinal)}\" |", doc, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ServiceKind.Echo)]
    [InlineData(ServiceKind.Discard)]
    [InlineData(ServiceKind.Chargen)]
    [InlineData(ServiceKind.Qotd)]
    [InlineData(ServiceKind.Daytime)]
    [InlineData(ServiceKind.Time)]
    public async Task InetkitServe_PassesEveryMustAndShouldCaseOfTheService_OnBothTransports(ServiceKind service)
    {
        // The same fake clock for server and checker: the time cases compare the two.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using InetServer server = await Servers.StartAsync(service, configure: o => o with { TimeProvider = clock });
        IPEndPoint endPoint = server.EndPoint(service, Transport.Tcp);

        Dictionary<string, CaseResult> results = await ConformanceChecks.RunAsync(endPoint, service, new CheckOptions { TimeProvider = clock, Timeout = TimeSpan.FromMilliseconds(500) }, ConformanceSuite.All, Transport.Tcp, Transport.Udp);

        Assert.Equal(ConformanceSuite.Matching($"{WellKnownPorts.Name(service)}/*").Select(c => c.Id).Order(), results.Keys.Order());
        // On loopback the replies are not capped (beyond it they are): the amplification that --allow-amplification permits.
        bool amplifies = service is ServiceKind.Chargen or ServiceKind.Qotd or ServiceKind.Daytime or ServiceKind.Time;
        Assert.All(results.Values, r => Assert.True(
            r.Verdict == (amplifies && r.Case.Id.EndsWith("/udp/amplification", StringComparison.Ordinal) ? Verdict.Warn : Verdict.Pass),
            $"{r.Case.Id}: {r.Verdict}: {r.Got}"));
    }

    [Theory]
    [InlineData("time/udp/*", new[] { "time/udp/empty-datagram", "time/udp/seconds-since-1900", "time/udp/reply-from-server-port", "time/udp/amplification", "time/udp/low-source-port" })]
    [InlineData("*/seconds-since-1900", new[] { "time/tcp/seconds-since-1900", "time/udp/seconds-since-1900" })]
    [InlineData("TIME/TCP/four-bytes-then-close", new[] { "time/tcp/four-bytes-then-close" })]
    [InlineData("time/tcp", new string[0])]
    [InlineData("echo/udp/datagram-6*", new[] { "echo/udp/datagram-65507" })]
    [InlineData("nothing/*", new string[0])]
    public void Matching_StarIsAnyRunOfCharacters_CaseIgnored_WholeIdOnly(string pattern, string[] ids)
    {
        Assert.Equal(ids, ConformanceSuite.Matching(pattern).Select(c => c.Id));
    }

    [Theory]
    [InlineData("abc", "abc", "3 bytes, identical")]
    [InlineData("abcd", "abXd", "4 bytes where 4 were expected: first difference at offset 2, expected 0x63, got 0x58")]
    [InlineData("abcd", "ab", "2 bytes where 4 were expected: the first 2 match, then nothing more came")]
    [InlineData("ab", "abcd", "4 bytes where 2 were expected: all 2 match, then 2 bytes more, the first 0x63")]
    public void ByteDifference_NamesTheFirstDifferingOffsetBothBytesAndTheLengths(string expected, string got, string said)
    {
        Assert.Equal(said, ByteDifference.Describe(System.Text.Encoding.ASCII.GetBytes(expected), System.Text.Encoding.ASCII.GetBytes(got)));
    }
}
