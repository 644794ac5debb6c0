using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Deploy;

/// <summary>
/// deploy/slurm/scan.sbatch on a real Slurm: slurm-cluster.sh starts a single-node cluster (Debian's slurm-wlm and
/// munge) in namespaces of its own, submits a 4-task array scanning 127.0.0.1 and 192.0.2.10 (on the namespace's lo,
/// through a scope file), waits for the merge job the array submits, and compares its reports with the unsharded
/// scan. Needs root, unshare, python3, ndiff, munge and slurm-wlm (.ci/run installs them).
/// </summary>
public sealed class SlurmClusterTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("inetkit-slurm-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task AFourTaskArray_ThenItsMergeJob_GivesTheUnshardedScansReport_AndEveryShardIsAudited()
    {
        string[] needed = ["/usr/bin/unshare", "/usr/sbin/ip", "/usr/bin/ndiff", "/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch"];
        Assert.SkipUnless(Environment.UserName == "root", "a Slurm cluster of its own in namespaces needs root");
        Assert.SkipUnless(needed.All(File.Exists), $"needs {string.Join(", ", needed.Where(p => !File.Exists(p)))} (Debian's slurm-wlm, munge, ndiff; .ci/run installs them)");
        Python.Require();
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(240));

        (int code, string output) = await RunAsync(Path.Combine(Repository.Root, "tests", "Inetkit.Tests", "Deploy", "slurm-cluster.sh"),
            [_work.FullName, Path.Combine(AppContext.BaseDirectory, "inetkit")], timeout.Token);
        TestContext.Current.TestOutputHelper?.WriteLine(output);

        Assert.True(code == 0, $"slurm-cluster.sh exited {code}:\n{output}");
        Assert.Contains("merged.xml and merged.json equal the unsharded scan", output, StringComparison.Ordinal);
        // Equal to the unsharded scan, and that scan found the listeners: an empty merge of empty shards cannot pass.
        int[] listening = [.. (await File.ReadAllTextAsync(Path.Combine(_work.FullName, "open-ports"), timeout.Token)).Trim().Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
        using JsonDocument merged = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_work.FullName, "reports dir", "merged.json"), timeout.Token));
        foreach (JsonElement host in merged.RootElement.GetProperty("hosts").EnumerateArray())
        {
            int[] open = [.. host.GetProperty("ports").EnumerateArray().Where(p => p.GetProperty("state").GetString() == "open").Select(p => p.GetProperty("port").GetInt32()).Order()];
            Assert.Equal(listening.Order(), open);
        }
        Assert.Equal(["127.0.0.1", "192.0.2.10"], merged.RootElement.GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("address").GetString()));
        // Each shard checked the scope that travelled with the job and recorded itself before its first probe.
        string[] audit = await File.ReadAllLinesAsync(Path.Combine(_work.FullName, "shards audit.log"), timeout.Token);
        var shards = new List<string>();
        foreach (string line in audit)
        {
            using JsonDocument entry = JsonDocument.Parse(line);
            Assert.Equal("slurm-cluster.sh", entry.RootElement.GetProperty("reference").GetString());
            Assert.Contains("192.0.2.10", entry.RootElement.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
            shards.Add(entry.RootElement.GetProperty("shard").GetString()!);
        }
        Assert.Equal(["1/4", "2/4", "3/4", "4/4"], shards.Order());
    }

    [Theory]
    [InlineData(null, "", "not an array task; submit with sbatch --array=1-N")]
    [InlineData("1", "", "no OUTDIR; usage: sbatch --array=1-N scan.sbatch OUTDIR TARGET... [scan options]")]
    [InlineData("1", "OUT", "no TARGET after OUTDIR '{work}/out dir'; usage: sbatch --array=1-N scan.sbatch OUTDIR TARGET... [scan options]")]
    [InlineData("1", "OUT 127.0.0.1 INETKIT=/nonexistent/inetkit", "INETKIT '/nonexistent/inetkit' is not an executable file on ")]
    [InlineData("1", "OUT 127.0.0.1", "no inetkit on PATH on ")]
    [InlineData("1", "FILE 127.0.0.1 INETKIT", "cannot create OUTDIR '{work}/a file'; give a directory every node can write")]
    public async Task WithoutWhatItNeeds_TheScriptStopsWithOneLine_Exit2(string? taskId, string given, string expected)
    {
        using var timeout = TestTimeout.Create();
        await File.WriteAllTextAsync(Path.Combine(_work.FullName, "a file"), "", timeout.Token);
        string[] words = given.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] args = [.. words.Where(w => !w.StartsWith("INETKIT", StringComparison.Ordinal)).Select(w => w switch
        {
            "OUT" => Path.Combine(_work.FullName, "out dir"),
            "FILE" => Path.Combine(_work.FullName, "a file"),
            _ => w,
        })];
        var env = new Dictionary<string, string?>
        {
            ["SLURM_ARRAY_TASK_ID"] = taskId,
            // Where no test tool is installed, so that "none on PATH" is what the script sees.
            ["PATH"] = "/usr/bin:/bin",
            ["INETKIT"] = words.FirstOrDefault(w => w.StartsWith("INETKIT", StringComparison.Ordinal)) switch
            {
                null => null,
                "INETKIT" => Path.Combine(AppContext.BaseDirectory, "inetkit"),
                string w => w["INETKIT=".Length..],
            },
        };

        (int code, string output) = await RunAsync(Path.Combine(Repository.Root, "deploy", "slurm", "scan.sbatch"), args, timeout.Token, env);

        Assert.Equal(2, code);
        string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("inetkit scan.sbatch: " + expected.Replace("{work}", _work.FullName, StringComparison.Ordinal), line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_work.FullName, "out dir")) && words.Length < 2, "no OUTDIR is made for a task that cannot run");
    }

    private static async Task<(int Code, string Output)> RunAsync(string script, string[] args, CancellationToken cancellationToken, Dictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        // A test run inside a Slurm job (or a pod) must not hand its own shard to the cluster's tasks.
        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("SLURM_", StringComparison.Ordinal) || k is "JOB_COMPLETION_INDEX" or "INETKIT_SHARD_COUNT").ToList())
        {
            info.Environment.Remove(name);
        }
        foreach ((string name, string? value) in environment ?? [])
        {
            info.Environment[name] = value;
        }
        using Process process = Process.Start(info)!;
        try
        {
            Task<string> error = process.StandardError.ReadToEndAsync(cancellationToken);
            string output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, output + await error);
        }
        catch (OperationCanceledException)
        {
            // The script is its namespace's PID 1 (through unshare's fork): killing the tree takes the daemons too.
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
