using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Deploy;

/// <summary>
/// deploy/kubernetes/scan-job.yaml as far as a machine without a cluster can check it (kubectl's dry run needs an API
/// server): its structure, read by python3-yaml, and its commands run here as the pods would run them, with the
/// environment an Indexed Job gives each pod (JOB_COMPLETION_INDEX) and the volumes as local directories, inside a
/// network namespace of their own; the merged report must equal the unsharded scan's.
/// </summary>
public sealed partial class KubernetesJobTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("inetkit-k8s-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task TheManifest_IsAConfigMapAVolumeAnIndexedScanJobAndASuspendedMerge_WithOneShardCount()
    {
        Manifest manifest = await Manifest.LoadAsync();

        Assert.Equal(["ConfigMap", "PersistentVolumeClaim", "Job", "Job"], manifest.Documents.Select(d => d.GetProperty("kind").GetString()));
        Assert.All(manifest.Documents, d => Assert.False(d.GetProperty("metadata").TryGetProperty("namespace", out _), "the manifest names no namespace"));
        Assert.Contains("ReadWriteMany", manifest.Claim.GetProperty("spec").GetProperty("accessModes").EnumerateArray().Select(m => m.GetString()));

        JsonElement scan = manifest.ScanJob.GetProperty("spec");
        Assert.Equal("Indexed", scan.GetProperty("completionMode").GetString());
        int shards = scan.GetProperty("completions").GetInt32();
        Assert.InRange(shards, 2, 1_000_000);
        Assert.InRange(scan.GetProperty("parallelism").GetInt32(), 1, shards);
        JsonElement container = manifest.ScanContainer;
        Assert.Equal(shards.ToString(CultureInfo.InvariantCulture), Env(container)["INETKIT_SHARD_COUNT"]);
        Assert.Equal("Never", scan.GetProperty("template").GetProperty("spec").GetProperty("restartPolicy").GetString());

        string[] args = Strings(container.GetProperty("args"));
        Assert.Equal(["inetkit"], Strings(container.GetProperty("command")));
        Assert.Equal("scan", args[0]);
        Assert.Equal("auto", After(args, "--shard"));
        Assert.Equal("xml", After(args, "--format"));
        // Every pod its own report and audit log on the shared volume; the scope and targets from the ConfigMap.
        Dictionary<string, string> mounts = Mounts(manifest.ScanJob, container);
        Assert.Equal("/reports/shard-$(JOB_COMPLETION_INDEX).xml", After(args, "-o"));
        Assert.Equal($"pvc:{manifest.Claim.GetProperty("metadata").GetProperty("name").GetString()}", mounts["/reports"]);
        Assert.Contains("$(JOB_COMPLETION_INDEX)", After(args, "--audit-log"), StringComparison.Ordinal);
        Assert.StartsWith("/reports/", After(args, "--audit-log"), StringComparison.Ordinal);
        string configMap = manifest.ConfigMap.GetProperty("metadata").GetProperty("name").GetString()!;
        foreach (string option in new[] { "--scope", "-iL" })
        {
            string path = After(args, option);
            Assert.Equal($"configmap:{configMap}", mounts[Path.GetDirectoryName(path)!]);
            Assert.True(manifest.ConfigMap.GetProperty("data").TryGetProperty(Path.GetFileName(path), out _), $"{option} {path}: no such key in the ConfigMap");
        }

        // The merge: created suspended (started once the scan Job is complete), reading every shard by name.
        JsonElement merge = manifest.MergeJob.GetProperty("spec");
        Assert.True(merge.GetProperty("suspend").GetBoolean());
        string[] expected = [.. Enumerable.Range(0, shards).Select(i => $"/reports/shard-{i}.xml")];
        var formats = new List<string>();
        foreach (JsonElement step in manifest.MergeContainers)
        {
            string[] merging = Strings(step.GetProperty("args"));
            Assert.Equal("merge", merging[0]);
            Assert.Equal(expected, merging.Skip(1).TakeWhile(a => !a.StartsWith('-')));
            formats.Add(After(merging, "--format"));
            Assert.Equal($"/reports/merged.{formats[^1]}", After(merging, "-o"));
            Assert.Equal(mounts["/reports"], Mounts(manifest.MergeJob, step)["/reports"]);
        }
        Assert.Equal(["xml", "json"], formats);
    }

    [Fact]
    public async Task EveryPodsCommand_RunWithItsCompletionIndex_ThenTheMerge_GivesTheUnshardedScansReport()
    {
        Assert.SkipUnless(NetworkNamespace.Available, NetworkNamespace.Unavailable);
        Assert.SkipUnless(File.Exists("/usr/bin/ndiff"), "ndiff is not installed (.ci/run installs it)");
        Manifest manifest = await Manifest.LoadAsync();
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(180));
        string inetkit = Path.Combine(AppContext.BaseDirectory, "inetkit");
        string config = _work.CreateSubdirectory("config").FullName;
        string reports = _work.CreateSubdirectory("reports").FullName;
        // The ConfigMap's files, with loopback in place of its example network: only 127.0.0.1 is scanned here.
        await File.WriteAllTextAsync(Path.Combine(config, "targets.txt"), "127.0.0.1\n", timeout.Token);
        await File.WriteAllTextAsync(Path.Combine(config, "scope.txt"), $"""
            authorized-by: Inetkit's test suite
            reference: KubernetesJobTests
            expires: {DateTime.UtcNow.AddDays(2):yyyy-MM-dd}
            127.0.0.0/8

            """, timeout.Token);
        var local = new Dictionary<string, string> { ["/etc/inetkit"] = config, ["/reports"] = reports };

        var script = new StringBuilder("""
            set -euo pipefail
            # A run inside a Slurm job must not give the pods its own array index.
            unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX JOB_COMPLETION_INDEX INETKIT_SHARD_COUNT
            ip link set lo up
            # A listener the scans must find, in this namespace alone, so that no other test's ports change what they see.
            exec {listener}< <(exec python3 -c '
            import socket
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            s.listen(128)
            print(s.getsockname()[1], flush=True)
            while True:
                s.accept()[0].close()')
            # Only the network is this script's own: the listener must not outlive it, holding the test's pipe open.
            trap "kill $!" EXIT
            read -r -t 10 -u "$listener" port
            echo "$port" > "$1/open-port"

            """);
        int shards = manifest.ScanJob.GetProperty("spec").GetProperty("completions").GetInt32();
        Dictionary<string, string> env = Env(manifest.ScanContainer);
        string[] scanArgs = Strings(manifest.ScanContainer.GetProperty("args"));
        for (int index = 0; index < shards; index++)
        {
            // What the Job controller adds to each pod's environment, and the kubelet's $(VAR) expansion of args.
            var pod = new Dictionary<string, string>(env) { ["JOB_COMPLETION_INDEX"] = index.ToString(CultureInfo.InvariantCulture) };
            script.AppendLine($"env {string.Join(' ', pod.Select(v => Quote($"{v.Key}={v.Value}")))} {Command(inetkit, scanArgs, pod, local)} >/dev/null");
        }
        foreach (JsonElement step in manifest.MergeContainers)
        {
            script.AppendLine(Command(inetkit, Strings(step.GetProperty("args")), Env(step), local));
        }
        // The same scan in one piece: the pod's command without --shard, its report elsewhere, once per format.
        string[] whole = [.. scanArgs.Where((a, i) => !(a == "--shard" || (i > 0 && scanArgs[i - 1] == "--shard")))];
        foreach (string format in new[] { "xml", "json" })
        {
            string[] args = [.. whole.Select((a, i) => i > 0 && whole[i - 1] == "-o" ? Path.Combine(_work.FullName, $"whole.{format}") : i > 0 && whole[i - 1] == "--format" ? format : a)];
            script.AppendLine(Command(inetkit, args, env, local) + " >/dev/null");
        }
        string compare = Path.Combine(Repository.Root, "tests", "Inetkit.Tests", "Deploy", "same-scan.py");
        script.AppendLine($"python3 {Quote(compare)} {Quote(Path.Combine(_work.FullName, "whole.xml"))} {Quote(Path.Combine(reports, "merged.xml"))} {Quote(Path.Combine(_work.FullName, "whole.json"))} {Quote(Path.Combine(reports, "merged.json"))} >&2");
        TestContext.Current.TestOutputHelper?.WriteLine(script.ToString());

        await NetworkNamespace.RunAsync(script.ToString(), _work.FullName, timeout.Token, _work.FullName);

        int port = int.Parse(await File.ReadAllTextAsync(Path.Combine(_work.FullName, "open-port"), timeout.Token), CultureInfo.InvariantCulture);
        Assert.Equal(Enumerable.Range(0, shards).Select(i => $"shard-{i}.xml").Concat(["merged.json", "merged.xml"]).Order(), Directory.EnumerateFiles(reports).Select(Path.GetFileName).Order());
        using JsonDocument merged = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(reports, "merged.json"), timeout.Token));
        JsonElement host = merged.RootElement.GetProperty("hosts").EnumerateArray().Single();
        Assert.Equal("127.0.0.1", host.GetProperty("address").GetString());
        Assert.Equal([port], host.GetProperty("ports").EnumerateArray().Where(p => p.GetProperty("state").GetString() == "open").Select(p => p.GetProperty("port").GetInt32()));
    }

    /// <summary>One container's command line for bash: inetkit for the image's, volume paths mapped, $(VAR) expanded.</summary>
    private static string Command(string inetkit, string[] args, Dictionary<string, string> env, Dictionary<string, string> volumes)
    {
        IEnumerable<string> local = args.Select(arg =>
        {
            string expanded = KubeletVariable().Replace(arg, m => env.TryGetValue(m.Groups[1].Value, out string? value) ? value : m.Value);
            foreach ((string mount, string directory) in volumes)
            {
                if (expanded.StartsWith(mount + "/", StringComparison.Ordinal))
                {
                    return directory + expanded[mount.Length..];
                }
            }
            return expanded;
        });
        return string.Join(' ', new[] { inetkit }.Concat(local).Select(Quote));
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string After(string[] args, string option)
    {
        int at = Array.IndexOf(args, option);
        Assert.True(at >= 0 && at + 1 < args.Length, $"no {option} VALUE in {string.Join(' ', args)}");
        Assert.Equal(at, Array.LastIndexOf(args, option));
        return args[at + 1];
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static Dictionary<string, string> Env(JsonElement container) =>
        container.TryGetProperty("env", out JsonElement env)
            ? env.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value").GetString()!)
            : [];

    /// <summary>The container's mount paths, each with what is mounted there ("pvc:NAME", "configmap:NAME").</summary>
    private static Dictionary<string, string> Mounts(JsonElement job, JsonElement container)
    {
        Dictionary<string, JsonElement> volumes = job.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("volumes").EnumerateArray()
            .ToDictionary(v => v.GetProperty("name").GetString()!);
        return container.GetProperty("volumeMounts").EnumerateArray().ToDictionary(m => m.GetProperty("mountPath").GetString()!, m =>
        {
            JsonElement volume = volumes[m.GetProperty("name").GetString()!];
            return volume.TryGetProperty("persistentVolumeClaim", out JsonElement claim) ? $"pvc:{claim.GetProperty("claimName").GetString()}"
                : volume.TryGetProperty("configMap", out JsonElement map) ? $"configmap:{map.GetProperty("name").GetString()}"
                : "other";
        });
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex KubeletVariable();

    /// <summary>deploy/kubernetes/scan-job.yaml's documents, read by python3-yaml and handed over as JSON.</summary>
    private sealed class Manifest(JsonElement[] documents)
    {
        public JsonElement[] Documents { get; } = documents;

        public JsonElement ConfigMap => Documents.Single(d => d.GetProperty("kind").GetString() == "ConfigMap");

        public JsonElement Claim => Documents.Single(d => d.GetProperty("kind").GetString() == "PersistentVolumeClaim");

        public JsonElement ScanJob => Job("inetkit-scan");

        public JsonElement MergeJob => Job("inetkit-merge");

        public JsonElement ScanContainer => ScanJob.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers").EnumerateArray().Single();

        /// <summary>The merge Job's containers in the order they run: init containers first.</summary>
        public IEnumerable<JsonElement> MergeContainers
        {
            get
            {
                JsonElement pod = MergeJob.GetProperty("spec").GetProperty("template").GetProperty("spec");
                return (pod.TryGetProperty("initContainers", out JsonElement init) ? init.EnumerateArray().ToArray() : [])
                    .Concat(pod.GetProperty("containers").EnumerateArray());
            }
        }

        private JsonElement Job(string name) =>
            Documents.Single(d => d.GetProperty("kind").GetString() == "Job" && d.GetProperty("metadata").GetProperty("name").GetString() == name);

        public static async Task<Manifest> LoadAsync()
        {
            var info = new ProcessStartInfo(Python.Require()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string arg in new[] { "-c", "import json, sys, yaml; json.dump(list(yaml.safe_load_all(open(sys.argv[1]))), sys.stdout)", Path.Combine(Repository.Root, "deploy", "kubernetes", "scan-job.yaml") })
            {
                info.ArgumentList.Add(arg);
            }
            using Process python = Process.Start(info)!;
            Task<string> error = python.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            string json = await python.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await python.WaitForExitAsync(TestContext.Current.CancellationToken);
            string problem = await error;
            Assert.SkipWhen(problem.Contains("No module named 'yaml'", StringComparison.Ordinal), "python3-yaml is not installed (.ci/run installs it)");
            Assert.True(python.ExitCode == 0, $"python3-yaml could not read the manifest: {problem}");
            using JsonDocument document = JsonDocument.Parse(json);
            return new Manifest([.. document.RootElement.EnumerateArray().Select(d => d.Clone())]);
        }
    }
}
