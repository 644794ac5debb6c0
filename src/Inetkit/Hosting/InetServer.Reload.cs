using System.Net;
using Inetkit.Hosting.Internal;
using Inetkit.Protocol;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting;

// A reload (SIGHUP, as xinetd takes one): new services start, removed ones stop accepting while their open
// connections finish, changed limits apply to the clients to come, and a socket is bound anew only where its
// address or port changed.
public sealed partial class InetServer
{
    /// <summary>What a reload changed.</summary>
    public sealed record ReloadResult(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<ListenerEndpoint> Bound, IReadOnlyList<ListenerEndpoint> Closed);

    /// <summary>
    /// Serves <paramref name="options"/> from now on, keeping every socket whose service, address, port and transport
    /// stay (a port of 0 keeps the one the service has). A service keeps its name across the reload: its open
    /// connections count against its new caps. The logger, the clock and the trace are the first start's. If a program
    /// is not found or a socket cannot be bound, nothing changes and the exception says why.
    /// </summary>
    /// <exception cref="ArgumentException">The options contradict each other, or a program or its user is not found.</exception>
    /// <exception cref="BindFailedException">A new socket could not be bound.</exception>
    /// <exception cref="InvalidOperationException">The server is stopping.</exception>
    public ReloadResult Reload(InetServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        IReadOnlyList<ServiceDefinition> definitions = options.ResolveDefinitions();
        foreach (ServiceDefinition definition in definitions)
        {
            // Programs and users found before anything changes.
            definition.Program?.Validate();
        }
        lock (_stopLock)
        {
            if (_stopTask is not null)
            {
                throw new InvalidOperationException("the server is stopping");
            }
            InetServerOptions previous = _options;
            if (!Equals(options.Metrics, previous.Metrics))
            {
#pragma warning disable CA1848, CA2254
                previous.Logger.LogWarning($"the metrics endpoint stays {(_metrics is null ? "off" : $"on {_metrics.EndPoint}")}: a reload does not move it (restart for that)");
#pragma warning restore CA1848, CA2254
                options = options with { Metrics = previous.Metrics };
            }
            int mark = _listeners.Count;
            var kept = new HashSet<Listener>();
            var runtimes = new List<ServiceRuntime>();
            var reverts = new List<(ServiceRuntime Runtime, ServiceDefinition Definition)>();
            Dictionary<string, ServiceRuntime> old = _services.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
            _options = options;
            try
            {
                var unavailable = new HashSet<IPAddress>();
                foreach (ServiceDefinition definition in definitions)
                {
                    ServiceRuntime runtime;
                    if (old.TryGetValue(definition.Name, out ServiceRuntime? existing) && existing.Kind == definition.Kind)
                    {
                        reverts.Add((existing, existing.Definition));
                        existing.Apply(definition, options);
                        runtime = existing;
                    }
                    else
                    {
                        runtime = new ServiceRuntime(definition, options);
                    }
                    runtimes.Add(runtime);
                    List<Listener> mine = [.. _listeners.Take(mark).Where(l => l.Runtime == runtime)];
                    if (mine.Any(l => l.Activated))
                    {
                        // systemd owns where these listen: the service keeps the sockets it was given.
                        kept.UnionWith(mine);
                        continue;
                    }
                    if (options.ActivatedSockets is not null)
                    {
                        // Under socket activation a service systemd gave no socket is not started, then or now.
                        continue;
                    }
                    int port = runtime.RequestedPort(options);
                    if (port == 0 && mine.Count > 0)
                    {
                        port = ((IPEndPoint)mine[0].Socket.LocalEndPoint!).Port;
                    }
                    var held = new HashSet<(Transport, IPAddress)>();
                    foreach (Listener listener in mine)
                    {
                        var at = (IPEndPoint)listener.Socket.LocalEndPoint!;
                        IReadOnlyList<IPAddress> addresses = runtime.BindAddresses(options) ?? InetServerOptions.LoopbackAddresses;
                        if (at.Port == port && (runtime.Transports(options) & listener.Transport) != 0 && addresses.Contains(at.Address))
                        {
                            kept.Add(listener);
                            held.Add((listener.Transport, at.Address));
                        }
                    }
                    BindService(runtime, port, unavailable, held);
                }
            }
            catch
            {
                CloseFrom(mark);
                _options = previous;
                foreach ((ServiceRuntime runtime, ServiceDefinition definition) in reverts)
                {
                    runtime.Apply(definition, previous);
                }
                throw;
            }
            return Commit(options, mark, kept, runtimes, old.Values);
        }
    }

    private ReloadResult Commit(InetServerOptions options, int mark, HashSet<Listener> kept, List<ServiceRuntime> runtimes, IEnumerable<ServiceRuntime> before)
    {
        var closed = new List<ListenerEndpoint>();
        for (int i = mark - 1; i >= 0; i--)
        {
            if (!kept.Contains(_listeners[i]))
            {
                // Closing the socket ends its loop; the connections it accepted are the tracker's and finish.
                _listeners[i].Socket.Dispose();
                closed.Add(_endpoints[i]);
                _listeners.RemoveAt(i);
                _endpoints.RemoveAt(i);
                mark--;
            }
        }
        List<Listener> added = [.. _listeners.Skip(mark)];
        List<ListenerEndpoint> bound = [.. _endpoints.Skip(mark)];
        var names = runtimes.Select(r => r.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var previous = before.ToList();
        _retired.AddRange(previous.Where(r => !runtimes.Contains(r)));
        _services.Clear();
        _services.AddRange(runtimes);
        // A removed service's counts stay in the metrics until the stop, so that no counter goes back.
        _services.ForEach(s => ServerMetrics.Watch(s.Metrics));
        _tracker.SetCaps(options.MaxConnections, options.MaxConnectionsPerSource);
        _host!.Options = options;
        SetPolicies();
        foreach (Listener listener in added)
        {
            StartLoop(listener);
        }
        WarnAboutExposure();
        return new ReloadResult(
            [.. runtimes.Where(r => !previous.Contains(r)).Select(r => r.Name)],
            [.. previous.Where(r => !runtimes.Contains(r)).Select(r => r.Name)],
            bound,
            closed);
    }
}
