using System.Text.Json.Nodes;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Cli;

/// <summary>
/// <c>scan --shard auto</c>: the shard from the environment a Slurm job array or a Kubernetes Indexed Job gives each task,
/// read through the scan's own environment (<see cref="ScanCli.Variables"/>), so nothing here depends on where the tests run.
/// </summary>
public sealed class ShardAutoTests
{
    [Theory]
    [InlineData("SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_MAX=7 SLURM_ARRAY_TASK_COUNT=4", "2/4")]
    [InlineData("SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3", "1/3")] // an older Slurm: no _COUNT
    [InlineData("SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=7 SLURM_ARRAY_TASK_COUNT=8 SLURM_ARRAY_TASK_STEP=1", "1/8")]
    [InlineData("JOB_COMPLETION_INDEX=0 INETKIT_SHARD_COUNT=3", "1/3")]
    [InlineData("JOB_COMPLETION_INDEX=2 INETKIT_SHARD_COUNT=3", "3/3")]
    public async Task FromTheEngine(string variables, string shard)
    {
        using var cli = With(variables);

        var (code, output, error) = await cli.RunAsync("127.0.0.1", "-p", "1-10", "--shard", "auto", "--format", "json");

        Assert.True(code == 0, error);
        Assert.Equal(shard, (string?)JsonNode.Parse(output)!["scan"]!["shard"]);
    }

    [Fact]
    public async Task Kubernetes_CountFromTheOption()
    {
        using var cli = With("JOB_COMPLETION_INDEX=1");

        var (code, output, error) = await cli.RunAsync("127.0.0.1", "-p", "1-10", "--shard", "auto", "--shard-count", "4", "--format", "json");

        Assert.True(code == 0, error);
        Assert.Equal("2/4", (string?)JsonNode.Parse(output)!["scan"]!["shard"]);
    }

    [Theory]
    [InlineData("", "--shard auto found no cluster engine: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give --shard I/N")]
    [InlineData("JOB_COMPLETION_INDEX=3", "--shard auto in a Kubernetes Indexed Job (JOB_COMPLETION_INDEX=3) needs the number of shards: give --shard-count N or set INETKIT_SHARD_COUNT to the job's completions")]
    [InlineData("JOB_COMPLETION_INDEX=3 INETKIT_SHARD_COUNT=3", "--shard auto: JOB_COMPLETION_INDEX=3 makes shard 4/3, outside 1..3; check the job's array or completions")]
    [InlineData("JOB_COMPLETION_INDEX=x INETKIT_SHARD_COUNT=3", "--shard auto: JOB_COMPLETION_INDEX='x' is not a number")]
    [InlineData("SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=9 SLURM_ARRAY_TASK_COUNT=5 SLURM_ARRAY_TASK_STEP=2", "--shard auto needs a job array without gaps (sbatch --array=1-N), but this one runs 5 tasks from 1 to 9; give --shard I/N")]
    [InlineData("SLURM_ARRAY_TASK_ID=3", "--shard auto: SLURM_ARRAY_TASK_ID=3 but SLURM_ARRAY_TASK_MIN and _MAX or _COUNT are not set; give --shard I/N")]
    public async Task Refused_Exit2_OneLine_NothingSent(string variables, string message)
    {
        using var cli = With(variables);

        var (code, output, error) = await cli.RunAsync("127.0.0.1", "-p", "1-10", "--shard", "auto");

        Assert.Equal((2, "", $"inetkit: scan: {message}\n"), (code, output, error));
        Assert.False(cli.Started);
    }

    [Theory]
    [InlineData("SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=4", "auto", "--shard-count 3 but the job array has 4 tasks; leave --shard-count out or make them agree")]
    [InlineData("", "1/4", "--shard-count goes with --shard auto (in a Kubernetes Indexed Job); with --shard I/N the count is N")]
    public async Task ShardCount_ThatDisagrees_Exit2(string variables, string shard, string message)
    {
        using var cli = With(variables);

        var (code, _, error) = await cli.RunAsync("127.0.0.1", "-p", "1-10", "--shard", shard, "--shard-count", "3");

        Assert.Equal((2, $"inetkit: scan: {message}\n"), (code, error));
    }

    [Fact]
    public async Task BeyondLoopback_EveryShardChecksTheScope_AndRecordsItself()
    {
        using var cli = new ScanCli(new FakeTimeProvider(new DateTimeOffset(2026, 6, 15, 12, 0, 0, TimeSpan.Zero))) { BlockScan = true };
        cli.Variables["SLURM_ARRAY_TASK_ID"] = "3";
        cli.Variables["SLURM_ARRAY_TASK_MIN"] = "1";
        cli.Variables["SLURM_ARRAY_TASK_MAX"] = "4";
        string scope = cli.File("scope.txt", "authorized-by: Jane Doe, network owner\nreference: TICKET-4242\nexpires: 2026-12-31\n192.0.2.0/25\n");

        var (refused, _, why) = await cli.RunAsync("192.0.2.200", "-p", "80", "--shard", "auto", "--scope", scope);
        var (code, _, _) = await cli.RunAsync("192.0.2.1", "-p", "80", "--shard", "auto", "--scope", scope);

        Assert.Equal(5, refused);
        Assert.Contains("192.0.2.200", why, StringComparison.Ordinal);
        Assert.Equal(1, code); // allowed, and stopped by the test's hook in place of the first probe
        JsonNode line = JsonNode.Parse(Assert.Single(cli.AuditAtStart!))!;
        Assert.Equal(("3/4", "TICKET-4242"), ((string?)line["shard"], (string?)line["reference"]));
    }

    [Fact]
    public async Task KubernetesIndexes_MergeToTheUnshardedScan()
    {
        NmapTools.RequireNothingOn("tcp", 30);
        using var listeners = LoopbackListeners.Start(2);
        string ports = Inetkit.Scanning.Reports.PortRangeText.Format([.. Enumerable.Range(1, 30), .. listeners.Ports]);
        using var whole = new ScanCli();
        var (_, expected, _) = await whole.RunAsync("127.0.0.1", "-p", ports, "--format", "json");
        var shards = new List<string>();
        for (int index = 0; index < 3; index++)
        {
            using var pod = With($"JOB_COMPLETION_INDEX={index} INETKIT_SHARD_COUNT=3");
            string path = Path.Combine(whole.Directory, $"shard-{index}.json");
            var (code, _, error) = await pod.RunAsync("127.0.0.1", "-p", ports, "--format", "json", "--shard", "auto", "-o", path);
            Assert.True(code == 0, error);
            shards.Add(path);
        }

        var merged = await CliRunner.RunToEndAsync(["merge", .. shards, "--format", "json"]);

        Assert.True(merged.Code == 0, merged.Err);
        JsonNode actual = JsonNode.Parse(merged.Out)!, wanted = JsonNode.Parse(expected)!;
        Assert.Equal(ReportJson.Timeless(wanted).ToJsonString(), ReportJson.Timeless(actual).ToJsonString());
    }

    private static ScanCli With(string variables)
    {
        var cli = new ScanCli();
        foreach (string pair in variables.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            cli.Variables[pair[..pair.IndexOf('=', StringComparison.Ordinal)]] = pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..];
        }
        return cli;
    }
}
