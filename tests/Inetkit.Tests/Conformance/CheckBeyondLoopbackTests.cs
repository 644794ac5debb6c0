using System.Text.Json;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Conformance;

/// <summary>
/// <c>check</c> of a whole <c>inetkit serve</c> beyond loopback, inside an empty network namespace (<c>unshare -n</c>,
/// TEST-NET-1 on its own lo, so nothing leaves the machine): the scope lets it through and the audit log records it
/// first; and what serve's safety guards do to a check there is found and named. Needs root, unshare and python3.
/// </summary>
public sealed class CheckBeyondLoopbackTests
{
    private const string Script = """
        set -u
        DOTNET="$1"; DLL="$2"; WORK="$3"; SERVE_OPTIONS="$4"
        ip link set lo up && ip addr add 192.0.2.1/32 dev lo || exit 90
        # The namespace is this script's alone: the default port map is free in it.
        "$DOTNET" "$DLL" serve --bind 192.0.2.1 $SERVE_OPTIONS > "$WORK/serve.out" 2> "$WORK/serve.log" &
        S=$!
        for _ in $(seq 400); do grep -q 10037 "$WORK/serve.out" && break; sleep 0.05; done
        "$DOTNET" "$DLL" check 192.0.2.1 --scope "$WORK/scope.txt" --audit-log "$WORK/audit.log" --timeout 300 --retries 1 --format json -o "$WORK/report.json" > "$WORK/check.out" 2> "$WORK/check.err"
        echo $? > "$WORK/check.exit"
        kill -TERM $S
        wait $S
        """;

    private const string Scope = """
        authorized-by: the test, owner of this network namespace
        reference: NETNS-1
        expires: 2099-12-31
        192.0.2.0/24
        """;

    [Fact]
    public async Task ByDefault_ServeRefusesToAmplify_SoRfc868sOwnEmptyDatagramGetsNoTime_AndCheckSaysSo()
    {
        (int exit, Dictionary<string, (string Verdict, string Got)> cases, string audit) = await RunAsync("");

        Assert.Equal(1, exit);
        // An empty datagram cannot be answered with 4 bytes without amplifying: beyond loopback serve stays silent.
        Assert.Equal(("fail", "no reply within 300 ms, 2 datagrams sent"), cases["time/udp/empty-datagram"]);
        Assert.Equal("fail", cases["qotd/udp/empty-datagram"].Verdict);
        Assert.Equal("fail", cases["daytime/udp/any-datagram"].Verdict);
        Assert.All(cases.Where(c => c.Key.EndsWith("/udp/amplification", StringComparison.Ordinal)), c => Assert.Equal("pass", c.Value.Verdict));
        Assert.All(cases.Where(c => c.Key.EndsWith("/udp/low-source-port", StringComparison.Ordinal)), c => Assert.Equal("pass", c.Value.Verdict));
        Assert.All(cases.Where(c => c.Key.Contains("/tcp/", StringComparison.Ordinal) || c.Key.StartsWith("echo/", StringComparison.Ordinal) || c.Key.StartsWith("discard/", StringComparison.Ordinal)),
            c => Assert.True(c.Value.Verdict == "pass", $"{c.Key}: {c.Value}"));
        using JsonDocument line = JsonDocument.Parse(audit);
        Assert.Equal(("check", "NETNS-1"), (line.RootElement.GetProperty("command").GetString(), line.RootElement.GetProperty("reference").GetString()));
    }

    [Fact]
    public async Task WithAllowAmplification_EveryMustAndShouldPasses_AndTheAmplifiersAreNamed()
    {
        (int exit, Dictionary<string, (string Verdict, string Got)> cases, _) = await RunAsync("--allow-amplification");

        Assert.Equal(0, exit);
        string[] amplifiers = ["daytime/udp/amplification", "qotd/udp/amplification", "chargen/udp/amplification", "time/udp/amplification"];
        Assert.All(cases, c => Assert.True(c.Value.Verdict == (amplifiers.Contains(c.Key) ? "warn" : "pass"), $"{c.Key}: {c.Value}"));
        Assert.StartsWith("512 bytes in one datagram: amplification 512x", cases["chargen/udp/amplification"].Got, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, Dictionary<string, (string, string)> Cases, string Audit)> RunAsync(string serveOptions)
    {
        Assert.SkipUnless(NetworkNamespace.Available, NetworkNamespace.Unavailable);
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(120));
        string work = Directory.CreateTempSubdirectory("inetkit-check-netns-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work, "scope.txt"), Scope, timeout.Token);
            await NetworkNamespace.RunAsync(Script, work, timeout.Token, [.. NetworkNamespace.Inetkit, work, serveOptions]);
            int exit = int.Parse(await File.ReadAllTextAsync(Path.Combine(work, "check.exit"), timeout.Token), System.Globalization.CultureInfo.InvariantCulture);
            using JsonDocument report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(work, "report.json"), timeout.Token));
            var cases = report.RootElement.GetProperty("targets").EnumerateArray()
                .SelectMany(t => t.GetProperty("cases").EnumerateArray())
                .ToDictionary(c => c.GetProperty("id").GetString()!, c => (c.GetProperty("verdict").GetString()!, c.GetProperty("got").GetString()!));
            Assert.Equal(Inetkit.Conformance.ConformanceSuite.All.Count, cases.Count);
            return (exit, cases, (await File.ReadAllLinesAsync(Path.Combine(work, "audit.log"), timeout.Token)).Single());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
