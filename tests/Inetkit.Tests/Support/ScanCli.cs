using System.Collections.Concurrent;
using System.Net;
using Inetkit.Cli;

namespace Inetkit.Tests.Support;

/// <summary>
/// Runs <c>inetkit scan</c> in-process with a <see cref="ScanEnvironment"/> the test holds: a resolver that answers
/// only the names it was given (any other lookup fails the test, and nothing reaches DNS), a clock, an audit log in a
/// directory of its own, and a hook that records whether scanning started. With <see cref="BlockScan"/> the hook
/// throws, so a target the scope allows is never actually probed.
/// </summary>
internal sealed class ScanCli : IDisposable
{
    private readonly ConcurrentQueue<string> _lookups = new();
    private readonly ConcurrentQueue<string> _unexpected = new();

    private readonly string _command;

    /// <summary>A runner of <c>inetkit scan</c>, or of <paramref name="command"/> (check goes through the same gate).</summary>
    public ScanCli(TimeProvider? time = null, string command = "scan")
    {
        Time = time ?? TimeProvider.System;
        _command = command;
        Directory = System.IO.Directory.CreateTempSubdirectory($"inetkit-{command}-").FullName;
    }

    /// <summary>Names the resolver knows, and what it answers for each.</summary>
    public Dictionary<string, IPAddress[]> Names { get; } = new(StringComparer.OrdinalIgnoreCase);

    public TimeProvider Time { get; }

    /// <summary>The scan's environment variables (a cluster engine's, for --shard auto); nothing else of the real environment is seen.</summary>
    public Dictionary<string, string> Variables { get; } = [];

    /// <summary>Throw at the hook: the scan is allowed, but no probe is sent.</summary>
    public bool BlockScan { get; init; }

    public string Directory { get; }

    public string AuditLog => Path.Combine(Directory, "audit.log");

    /// <summary>Every name the scan asked the resolver for, in order.</summary>
    public IReadOnlyList<string> Lookups => [.. _lookups];

    /// <summary>True once the scan reached the moment before its first probe.</summary>
    public bool Started { get; private set; }

    /// <summary>The audit log's lines as they were when the scan was about to start (null if the file did not exist).</summary>
    public string[]? AuditAtStart { get; private set; }

    public string File(string name, string text)
    {
        string path = Path.Combine(Directory, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Runs <c>inetkit scan ARGS</c>; the audit log is this runner's unless ARGS name another.</summary>
    public async Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => await RunWithInputAsync((TextReader?)null, args);

    public Task<(int Code, string Out, string Err)> RunWithInputAsync(string? stdin, params string[] args) =>
        RunWithInputAsync(stdin is null ? null : new StringReader(stdin), args);

    /// <summary>Runs <c>inetkit scan ARGS -o NAME</c> in this runner's directory; it must succeed. Returns the report's path.</summary>
    public async Task<string> ReportAsync(string name, params string[] args)
    {
        string path = Path.Combine(Directory, name);
        var (code, _, error) = await RunAsync([.. args, "-o", path]);
        Assert.True(code == 0, error);
        return path;
    }

    /// <summary>The scan ARGS as <paramref name="count"/> shards, each written as shard-I.FORMAT. Returns their paths, in shard order.</summary>
    public async Task<string[]> ShardReportsAsync(int count, string format, params string[] args)
    {
        var paths = new List<string>();
        for (int i = 1; i <= count; i++)
        {
            paths.Add(await ReportAsync($"shard-{i}.{format}", [.. args, "--format", format, "--shard", $"{i}/{count}"]));
        }
        return [.. paths];
    }

    public async Task<(int Code, string Out, string Err)> RunWithInputAsync(TextReader? stdin, params string[] args)
    {
        var environment = new ScanEnvironment(ResolveAsync, Time, AuditLog) { OnScanStarting = OnScanStarting, Variable = name => Variables.GetValueOrDefault(name) };
        var output = new LineWriter();
        var error = new LineWriter();
        using var timeout = TestTimeout.Create();
        int code = await InetkitCli.RunAsync([_command, .. args], CliConsole.Captured(output, error, stdin), timeout.Token, environment).WaitAsync(timeout.Token);
        TestContext.Current.TestOutputHelper?.WriteLine($"inetkit {_command} {string.Join(' ', args)} -> exit {code}\nstdout:\n{output}\nstderr:\n{error}");
        Assert.True(_unexpected.IsEmpty, $"the scan asked the resolver for names the test did not expect: {string.Join(", ", _unexpected)}");
        return (code, output.ToString(), error.ToString());
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private Task<IPAddress[]> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        _lookups.Enqueue(name);
        if (Names.TryGetValue(name, out IPAddress[]? addresses))
        {
            return Task.FromResult(addresses);
        }
        _unexpected.Enqueue(name);
        throw new InvalidOperationException($"the test's resolver does not know {name}");
    }

    private void OnScanStarting()
    {
        Started = true;
        AuditAtStart = System.IO.File.Exists(AuditLog) ? System.IO.File.ReadAllLines(AuditLog) : null;
        if (BlockScan)
        {
            throw new ScanBlockedException();
        }
    }
}

/// <summary>Thrown by <see cref="ScanCli"/>'s hook in place of the first probe.</summary>
internal sealed class ScanBlockedException() : Exception("blocked by the test before the first probe");
