using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Hosting.Internal;
using Inetkit.Protocol;
using Inetkit.Tracing;
using Microsoft.Extensions.Logging;

// Only Linux runs programs: ServiceRuntime makes an ExecRunner nowhere else (ResolvedProgram refuses), so
// every call here into the Linux-only process layer is reached on Linux alone.
#pragma warning disable CA1416

namespace Inetkit.Exec;

/// <summary>
/// A program service's processes: how many run (<see cref="ExecProgram.Instances"/>), starting one per client
/// with its environment and its stderr going to the log, and stopping them all when the server stops.
/// </summary>
internal sealed class ExecRunner(string service, ILogger logger, TimeProvider clock, ServiceMetrics metrics)
{
    // A program's stderr is logged a line at a time: this many lines a second per service, in bursts of twice as
    // many, so that a program printing in a loop costs a line of ours every few seconds, not a full disk.
    private const double StderrLinesPerSecond = 20;

    private readonly ConcurrentDictionary<int, ChildProcess> _children = new();
    private readonly TokenBucket _stderrBudget = new(StderrLinesPerSecond, StderrLinesPerSecond * 2, clock.GetTimestamp());
    private readonly LogThrottle _stderrDropped = new(logger, clock, TimeSpan.FromSeconds(10));
    private readonly Lock _budgetLock = new();
    private ResolvedProgram _resolved = null!;
    private int _running;

    /// <summary>The program; setting it finds the program and its user (a reload sets it for the clients to come).</summary>
    /// <exception cref="ArgumentException">As <see cref="ResolvedProgram.Resolve"/>.</exception>
    public ExecProgram Program
    {
        get => Volatile.Read(ref _resolved).Program;
        set => Volatile.Write(ref _resolved, ResolvedProgram.Resolve(value));
    }

    public string Service => service;

    /// <summary>The service's counts on the Inetkit meter.</summary>
    public ServiceMetrics Metrics => metrics;

    public TimeProvider Clock => clock;

    /// <summary>Processes running or about to start.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Takes one of the instances; false if all are taken.</summary>
    public bool TryReserve()
    {
        int limit = Program.Instances;
        while (true)
        {
            int now = Volatile.Read(ref _running);
            if (now >= limit)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _running, now + 1, now) == now)
            {
                return true;
            }
        }
    }

    /// <summary>Gives back an instance that did not become a process, or whose process has ended.</summary>
    public void Unreserve() => Interlocked.Decrement(ref _running);

    /// <summary>A TCP connection's part: the program run with the socket as its stdin and stdout.</summary>
    public IProgramConnection ForConnection(Socket client, IPEndPoint remote, Tracer trace, HostContext host) =>
        new ProgramConnection(this, client, remote, trace, host);

    /// <summary>A datagram's part: the program run with the datagram on stdin, its stdout the reply.</summary>
    public void AnswerDatagram(ReadOnlySpan<byte> request, SocketAddress from, SourceAddress source, int maxReply, Socket socket, UdpSourcePolicy policy, HostContext host, Tracer trace) =>
        ProgramDatagram.Start(this, request, from, source, maxReply, socket, policy, host, trace);

    /// <summary>
    /// Starts the program on <paramref name="stdio"/> (its stdin and stdout) for a client of the given transport.
    /// Its instance must have been reserved; it is given back when the process has been reaped.
    /// </summary>
    /// <exception cref="ExecFailedException">posix_spawn failed.</exception>
    public ChildProcess Start(Transport transport, IPEndPoint remote, IPEndPoint local, int stdio, Tracer trace)
    {
        ResolvedProgram program = Volatile.Read(ref _resolved);
        Dictionary<string, string> environment = ChildEnvironment.Build(service, transport, remote, local, program.Program.PassEnvironment);
        ChildProcess? child = null;
        var stderr = StderrLines.Open(line => LogStderr(child?.Pid ?? 0, line));
        try
        {
            child = ChildProcess.Spawn(new SpawnRequest(program.Path, program.Program.Argv, environment, program.Program.WorkingDirectory, stdio, stdio, stderr.ChildFd, program.Credentials));
        }
        catch (ExecFailedException)
        {
            stderr.Dispose();
            metrics.ExecFailed(transport);
            throw;
        }
        catch
        {
            stderr.Dispose();
            throw;
        }
        finally
        {
            // The child has its copy; ours would keep the pipe open after it exits.
            stderr.ReleaseChildEnd();
        }
        _children[child.Pid] = child;
        metrics.ExecStarted(transport);
        if (trace.Enabled)
        {
            trace.Call("fork+exec", program.Display, $"pid {child.Pid}");
        }
        _ = ReadStderrAsync(stderr);
        _ = ReapedAsync(child, transport, trace);
        return child;
    }

    private static async Task ReadStderrAsync(StderrLines stderr)
    {
        using (stderr)
        {
            await stderr.ReadAsync();
        }
    }

    private async Task ReapedAsync(ChildProcess child, Transport transport, Tracer trace)
    {
        ChildExit exit = await child.Exited;
        _children.TryRemove(child.Pid, out _);
        Unreserve();
        metrics.ExecEnded(transport, exit.Signal is { } signal ? ChildExit.SignalName(signal) : null);
        if (trace.Enabled)
        {
            trace.Call(exit.ToString());
        }
        child.Dispose();
    }

    private void LogStderr(int pid, string line)
    {
        bool allowed;
        lock (_budgetLock)
        {
            allowed = _stderrBudget.TryTake(clock.GetTimestamp(), clock.TimestampFrequency);
        }
        if (allowed && logger.IsEnabled(LogLevel.Information))
        {
#pragma warning disable CA1848, CA2254 // The program's own words are the message.
            logger.LogInformation($"{service}[{pid}]: {line}");
#pragma warning restore CA1848, CA2254
        }
        else
        {
            _stderrDropped.Log(LogLevel.Warning, $"{service}: the program's stderr is over {StderrLinesPerSecond:N0} lines a second; lines dropped");
        }
    }

    /// <summary>A program asked to stop (its exec timeout, the idle timeout) gets this long after SIGTERM before SIGKILL.</summary>
    public static readonly TimeSpan KillAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The program's exec timeout for <paramref name="child"/>, if it has one: SIGTERM to its group when it runs out,
    /// SIGKILL <see cref="KillAfter"/> later; <paramref name="expired"/> is told first. Dispose of it once the child is reaped.
    /// </summary>
    public ITimer? StartTimeout(ChildProcess child, Action expired) => Program.Timeout is { } limit
        ? clock.CreateTimer(_ => { expired(); _ = child.StopAsync(KillAfter); }, null, limit, Timeout.InfiniteTimeSpan)
        : null;

    /// <summary>SIGTERM to every process group of this service (the stop has begun).</summary>
    public void TerminateAll()
    {
        foreach (ChildProcess child in _children.Values)
        {
            child.Terminate();
        }
    }

    /// <summary>SIGKILL to every process group left (the stop's grace is over).</summary>
    public void KillAll()
    {
        foreach (ChildProcess child in _children.Values)
        {
            child.Kill();
        }
    }

    /// <summary>Waits until every process has been reaped, or for <paramref name="timeout"/>; true if none is left.</summary>
    public async Task<bool> WaitAllAsync(TimeSpan timeout)
    {
        try
        {
            await Task.WhenAll(_children.Values.Select(c => (Task)c.Exited)).WaitAsync(timeout, TimeProvider.System);
        }
        catch (TimeoutException)
        {
        }
        return _children.IsEmpty;
    }
}
