using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting.Internal;
using Inetkit.Protocol;
using Inetkit.Services;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting;

/// <summary>
/// The classic services over TCP and UDP from one host that owns every socket, the limits, shutdown and
/// tracing. Start one in a test on a free port and read the port back:
/// <code>
/// await using var server = await InetServer.StartAsync(new() { Services = [ServiceKind.Echo], Port = 0 });
/// IPEndPoint echo = server.GetEndPoint(ServiceKind.Echo, Transport.Udp);
/// </code>
/// </summary>
public sealed partial class InetServer : IAsyncDisposable
{
    private InetServerOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Listener> _listeners = [];
    private readonly List<ServiceRuntime> _services = [];

    // Services a reload removed: their programs may still run, and the stop must stop them too.
    private readonly List<ServiceRuntime> _retired = [];
    private HostContext? _host;
    private readonly List<ListenerEndpoint> _endpoints = [];
    private readonly List<Task> _loops = [];
    private readonly Counters _counters = new();
    private readonly ImpairmentLedger _impairments = new();
    private readonly ConnectionTracker _tracker;
    private readonly Lock _stopLock = new();
    private Task? _stopTask;
    private Metrics.MetricsEndpoint? _metrics;

    private InetServer(InetServerOptions options)
    {
        _options = options;
        _tracker = new ConnectionTracker(options.MaxConnections, options.MaxConnectionsPerSource, ShortestIdleTimeout(options), options.TimeProvider, _counters);
    }

    /// <summary>Every socket listening, in start order: per service, per address, TCP before UDP.</summary>
    public IReadOnlyList<ListenerEndpoint> Endpoints
    {
        get
        {
            lock (_stopLock)
            {
                return [.. _endpoints];
            }
        }
    }

    /// <summary>Completes when the server has stopped: after <see cref="StopAsync"/>, or after the one exchange of <see cref="InetServerOptions.Once"/>.</summary>
    public Task Completion => _completion.Task;

    /// <summary>The Prometheus endpoint <see cref="InetServerOptions.Metrics"/> asked for; null when none was.</summary>
    public Metrics.MetricsEndpoint? Metrics => _metrics;

    /// <summary>Counters since start.</summary>
    public InetServerStatistics Statistics => _counters.Snapshot() with { Impairment = _impairments.Snapshot() };

    /// <summary>Binds every socket (and the metrics endpoint, if asked) and starts serving. Nothing is left open if any bind fails.</summary>
    /// <exception cref="ArgumentException">The options contradict each other or are out of range.</exception>
    /// <exception cref="BindFailedException">A socket could not be bound.</exception>
    /// <exception cref="Metrics.MetricsBindException">The metrics endpoint could not be bound.</exception>
    public static async Task<InetServer> StartAsync(InetServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        cancellationToken.ThrowIfCancellationRequested();
        var server = new InetServer(options);
        try
        {
            server.BindAll();
            if (options.Metrics is { } metrics)
            {
                // Before the loops, so that a metrics address that cannot be bound leaves nothing served and nothing open.
                server._metrics = await Inetkit.Metrics.MetricsEndpoint.StartAsync(metrics, cancellationToken);
            }
        }
        catch
        {
            server.CloseListeners();
            server._tracker.Dispose();
            throw;
        }
        server.StartLoops();
        return server;
    }

    /// <summary>The endpoint of the service named <paramref name="name"/> over <paramref name="transport"/>, preferring <paramref name="family"/> (IPv4 by default).</summary>
    /// <exception cref="InvalidOperationException">No service of that name is listening on that transport.</exception>
    public IPEndPoint GetEndPoint(string name, Transport transport, AddressFamily family = AddressFamily.InterNetwork)
    {
        ListenerEndpoint? match = _endpoints.FirstOrDefault(e => e.Name == name && e.Transport == transport && e.EndPoint.AddressFamily == family)
            ?? _endpoints.FirstOrDefault(e => e.Name == name && e.Transport == transport);
        return match?.EndPoint ?? throw new InvalidOperationException($"{name} is not listening on {transport}.");
    }

    /// <summary>The endpoint of <paramref name="service"/> over <paramref name="transport"/>, preferring <paramref name="family"/> (IPv4 by default).</summary>
    /// <exception cref="InvalidOperationException">That service is not listening on that transport.</exception>
    public IPEndPoint GetEndPoint(ServiceKind service, Transport transport, AddressFamily family = AddressFamily.InterNetwork)
    {
        ListenerEndpoint? match = _endpoints.FirstOrDefault(e => e.Service == service && e.Transport == transport && e.EndPoint.AddressFamily == family)
            ?? _endpoints.FirstOrDefault(e => e.Service == service && e.Transport == transport);
        return match?.EndPoint ?? throw new InvalidOperationException($"{WellKnownPorts.Name(service)} is not listening on {transport}.");
    }

    /// <summary>
    /// Stops accepting and receiving, lets open connections finish within <see cref="InetServerOptions.ShutdownGrace"/>,
    /// then closes the rest. Safe to call more than once.
    /// </summary>
    public Task StopAsync()
    {
        lock (_stopLock)
        {
            if (_stopTask is null)
            {
                // /healthz says so first: a balancer that probes it stops sending clients while the open ones finish.
                _metrics?.ReportStopping();
                // Synchronously, so that when StopAsync returns no new client can get in.
                CloseListeners();
                _stopping.Cancel();
                _stopTask = FinishStopAsync();
            }
            return _stopTask;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task FinishStopAsync()
    {
        await Task.WhenAll(_loops);
        // Programs get SIGTERM as the stop begins and SIGKILL when the grace is over, every process group of them.
        List<Exec.ExecRunner> programs = [.. _services.Concat(_retired).Select(s => s.Exec).OfType<Exec.ExecRunner>()];
        programs.ForEach(p => p.TerminateAll());
        long start = TimeProvider.System.GetTimestamp();
        bool finished = await _tracker.WaitAllAsync(_options.ShutdownGrace);
        foreach (Exec.ExecRunner program in programs)
        {
            TimeSpan left = _options.ShutdownGrace - TimeProvider.System.GetElapsedTime(start);
            finished &= await program.WaitAllAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
        if (!finished)
        {
            _tracker.AbortAll();
            programs.ForEach(p => p.KillAll());
            await _tracker.WaitAllAsync(Timeout.InfiniteTimeSpan);
            foreach (Exec.ExecRunner program in programs)
            {
                await program.WaitAllAsync(Timeout.InfiniteTimeSpan);
            }
        }
        _tracker.Dispose();
        _host?.StopStreams();
        ServerMetrics.Forget(_impairments);
        foreach (ServiceRuntime service in _services.Concat(_retired))
        {
            ServerMetrics.Forget(service.Metrics);
        }
        if (_metrics is not null)
        {
            await _metrics.DisposeAsync();
        }
        _completion.TrySetResult();
    }

    private void CloseListeners()
    {
        foreach (Listener listener in _listeners)
        {
            listener.Socket.Dispose();
            if (listener.Trace.Enabled)
            {
                listener.Trace.Call("close", "");
            }
        }
    }

    private static TimeSpan ShortestIdleTimeout(InetServerOptions options)
    {
        TimeSpan shortest = options.IdleTimeout;
        foreach (ServiceDefinition definition in options.ResolveDefinitions())
        {
            if (definition.IdleTimeout is { } own && own != Timeout.InfiniteTimeSpan && (shortest == Timeout.InfiniteTimeSpan || own < shortest))
            {
                shortest = own;
            }
        }
        return shortest;
    }

    private static void Validate(InetServerOptions options)
    {
        if (options.Definitions is { } definitions)
        {
            ValidateDefinitions(definitions);
        }
        else if (options.Services.Count == 0)
        {
            throw new ArgumentException("at least one service is needed", nameof(options));
        }
        else if (options.Services.Distinct().Count() != options.Services.Count)
        {
            throw new ArgumentException("a service is named twice", nameof(options));
        }
        if (options.Definitions is null && options.Port is { } port && (port is < 0 or > 65535 || (port != 0 && options.Services.Count != 1)))
        {
            throw new ArgumentException(port is < 0 or > 65535 ? $"port {port} is outside 0-65535" : "a port other than 0 can be given only with one service", nameof(options));
        }
        if (options.Port is null && options.PortOffset is < 0 or > WellKnownPorts.MaxOffset)
        {
            throw new ArgumentException($"port offset {options.PortOffset} is outside 0-{WellKnownPorts.MaxOffset}", nameof(options));
        }
        if ((options.Transports & Transport.Both) == Transport.None)
        {
            throw new ArgumentException("TCP, UDP or both are needed", nameof(options));
        }
        if (options.MaxConnections < 1 || options.MaxConnectionsPerSource < 1)
        {
            throw new ArgumentException("connection limits must be at least 1", nameof(options));
        }
        if (options.UdpRate <= 0 || options.UdpGlobalRate <= 0 || double.IsNaN(options.UdpRate ?? 1) || double.IsNaN(options.UdpGlobalRate ?? 1))
        {
            throw new ArgumentException("UDP rates must be positive", nameof(options));
        }
        if (options.IdleTimeout <= TimeSpan.Zero && options.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("the idle timeout must be positive", nameof(options));
        }
        if (options.UdpReceiveLoops < 1)
        {
            throw new ArgumentException("at least one UDP receive loop is needed", nameof(options));
        }
    }

    private static void ValidateDefinitions(IReadOnlyList<ServiceDefinition> definitions)
    {
        if (definitions.Count == 0)
        {
            throw new ArgumentException("at least one service is needed", nameof(definitions));
        }
        string? twice = definitions.GroupBy(d => d.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (twice is not null)
        {
            throw new ArgumentException($"service '{twice}' is defined twice", nameof(definitions));
        }
        foreach (ServiceDefinition d in definitions)
        {
            string problem = (d.Kind, d.Program) switch
            {
                (ServiceKind.Exec, null) => "a program service needs its program",
                (ServiceKind.Exec, { Argv.Count: 0 }) => "a program service needs its program",
                (not ServiceKind.Exec, not null) => "a built-in takes no program",
                _ when d.Kind == ServiceKind.Exec && d.Port is null => "a program service needs a port",
                _ when d.Port is < 0 or > 65535 => $"port {d.Port} is outside 0-65535",
                _ when d.MaxConnections < 1 || d.MaxConnectionsPerSource < 1 => "connection limits must be at least 1",
                _ when d.Program is { Instances: < 1 } => "instances must be at least 1",
                _ when d.Program?.Timeout <= TimeSpan.Zero => "the exec timeout must be positive",
                _ when d.UdpRate <= 0 || d.UdpGlobalRate <= 0 => "UDP rates must be positive",
                _ when d.Transports is { } t && (t & Transport.Both) == Transport.None => "TCP, UDP or both are needed",
                _ when d.Kind == ServiceKind.Exec && d.Impairment is { IsNone: false } => "a program's traffic cannot be impaired (its socket is its own; put inetkit proxy --impair in front of it)",
                _ => "",
            };
            if (problem.Length > 0)
            {
                throw new ArgumentException($"service '{d.Name}': {problem}", nameof(definitions));
            }
        }
    }
}
