using Inetkit.Tracing;
using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting.Internal;
using Inetkit.Protocol;
using Inetkit.Services;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting;

// Binding the listening sockets and starting a loop on each.
public sealed partial class InetServer
{
    // A port picked by the kernel for one socket may be taken on another address or transport; this many
    // fresh picks are tried before giving up.
    private const int FreePortAttempts = 10;

    private const int ListenBacklog = 512;

    private sealed record Listener(Socket Socket, ServiceRuntime Runtime, Transport Transport, Tracer Trace)
    {
        /// <summary>Passed by systemd, not bound here: a reload keeps it as long as its service stays.</summary>
        public bool Activated { get; init; }
    }

    private void BindAll()
    {
        if (_options.ActivatedSockets is { } activated)
        {
            AdoptAll(activated);
            return;
        }
        var unavailable = new HashSet<IPAddress>();
        foreach (ServiceDefinition definition in _options.ResolveDefinitions())
        {
            var runtime = new ServiceRuntime(definition, _options);
            _services.Add(runtime);
            int requested = runtime.RequestedPort(_options);
            for (int attempt = 1; ; attempt++)
            {
                int mark = _listeners.Count;
                try
                {
                    BindService(runtime, requested, unavailable);
                    break;
                }
                catch (BindFailedException e) when (requested == 0 && e.Reason == BindFailure.AddressInUse && attempt < FreePortAttempts)
                {
                    // The port the kernel gave the first socket is held elsewhere on another address or transport: start over.
                    CloseFrom(mark);
                }
            }
        }
        if (_listeners.Count == 0)
        {
            throw new InvalidOperationException("no socket could be bound");
        }
        WarnAboutExposure();
    }

    /// <param name="runtime">The service.</param>
    /// <param name="requested">Its port (0: a free one, the same for all its sockets).</param>
    /// <param name="unavailable">Addresses found missing on this machine (no IPv6 loopback), skipped from then on.</param>
    /// <param name="held">Sockets a reload keeps: not bound again.</param>
    private void BindService(ServiceRuntime runtime, int requested, HashSet<IPAddress> unavailable, HashSet<(Transport, IPAddress)>? held = null)
    {
        IReadOnlyList<IPAddress> addresses = runtime.BindAddresses(_options) ?? InetServerOptions.LoopbackAddresses;
        bool defaultAddresses = runtime.BindAddresses(_options) is null;
        Transport transports = runtime.Transports(_options);
        // With port 0 the first socket's port is reused for the rest, so one number serves TCP, UDP and both families.
        int port = requested;
        foreach (IPAddress address in addresses)
        {
            if (unavailable.Contains(address))
            {
                continue;
            }
            foreach (Transport transport in new[] { Transport.Tcp, Transport.Udp })
            {
                if ((transports & transport) == 0 || (held?.Contains((transport, address)) ?? false))
                {
                    continue;
                }
                try
                {
                    Listener listener = Bind(runtime, transport, new IPEndPoint(address, port));
                    _listeners.Add(listener);
                    _endpoints.Add(new ListenerEndpoint(runtime.Kind, transport, (IPEndPoint)listener.Socket.LocalEndPoint!) { Name = runtime.Name });
                    runtime.Metrics.Listening(transport);
                    port = ((IPEndPoint)listener.Socket.LocalEndPoint!).Port;
                }
                catch (SocketException e) when (defaultAddresses && address.Equals(IPAddress.IPv6Loopback)
                    && e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported or SocketError.ProtocolNotSupported)
                {
                    // This machine has no IPv6 loopback; the default is "loopback", which 127.0.0.1 still is.
                    unavailable.Add(address);
#pragma warning disable CA1848, CA2254
                    _options.Logger.LogWarning($"IPv6 loopback (::1) is not available here ({e.Message}); serving on 127.0.0.1 only");
#pragma warning restore CA1848, CA2254
                    break;
                }
                catch (SocketException e)
                {
                    throw new BindFailedException(runtime.Kind, transport, new IPEndPoint(address, port), BindFailedException.Classify(e), e, runtime.Name);
                }
            }
        }
    }

    private Listener Bind(ServiceRuntime runtime, Transport transport, IPEndPoint endPoint)
    {
        bool tcp = transport == Transport.Tcp;
        var trace = new Tracer(TraceSink.Create(_options.Trace, _options.TraceEvents, _options.TimeProvider), $"{runtime.Name}/{(tcp ? "tcp" : "udp")}");
        var socket = tcp
            ? new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (trace.Enabled)
            {
                trace.Call("socket", $"{Tracer.Family(endPoint.AddressFamily)}, {Tracer.Kind(socket.SocketType)}");
            }
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // "::" alone is dual-stack, as Kestrel and most servers bind it, so IPv4 clients arrive as ::ffff:a.b.c.d
                // (the access list matches them as IPv4). Beside 0.0.0.0 ('*') it is IPv6 only, so both can be bound.
                bool dualStack = endPoint.Address.Equals(IPAddress.IPv6Any) && !(runtime.BindAddresses(_options)?.Contains(IPAddress.Any) ?? false);
                try
                {
                    socket.DualMode = dualStack;
                }
                catch (SocketException) when (dualStack)
                {
                    // The system will not take IPv4 on an IPv6 socket (net.ipv6.bindv6only, or no IPv4): IPv6 only, then.
                }
            }
            socket.Bind(endPoint);
            if (trace.Enabled)
            {
                trace.Call("bind", $"{socket.LocalEndPoint}", local: socket.LocalEndPoint);
            }
            if (tcp)
            {
                socket.Listen(ListenBacklog);
                if (trace.Enabled)
                {
                    trace.Call("listen", "", local: socket.LocalEndPoint);
                }
            }
            else
            {
                UdpReceiveLoop.DisableConnectionReset(socket);
            }
            return new Listener(socket, runtime, transport, trace);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Serves the sockets systemd passed, each by the service its name names, as if bound here.</summary>
    private void AdoptAll(IReadOnlyList<Systemd.ActivatedSocket> activated)
    {
        var runtimes = new Dictionary<string, ServiceRuntime>(StringComparer.OrdinalIgnoreCase);
        foreach (ServiceDefinition definition in _options.ResolveDefinitions())
        {
            runtimes[definition.Name] = new ServiceRuntime(definition, _options);
        }
        foreach (Systemd.ActivatedSocket socket in activated)
        {
            string name = Systemd.SocketActivation.ServiceOf(socket);
            if (!runtimes.TryGetValue(name, out ServiceRuntime? runtime))
            {
                throw new Systemd.SocketActivationException($"socket '{socket.Name}' passed by systemd names no service here (services: {string.Join(", ", runtimes.Keys)}); set its unit's FileDescriptorName= to one of them");
            }
            if ((runtime.Transports(_options) & socket.Transport) == 0)
            {
                throw new Systemd.SocketActivationException($"socket '{socket.Name}' passed by systemd is {(socket.Transport == Transport.Tcp ? "TCP" : "UDP")}, which {runtime.Name} is not configured to serve");
            }
            if (!_services.Contains(runtime))
            {
                _services.Add(runtime);
            }
            var trace = new Tracer(TraceSink.Create(_options.Trace, _options.TraceEvents, _options.TimeProvider), $"{runtime.Name}/{(socket.Transport == Transport.Tcp ? "tcp" : "udp")}");
            if (trace.Enabled)
            {
                trace.Call($"(listening on {socket.Socket.LocalEndPoint}, passed by systemd as '{socket.Name}')");
            }
            if (socket.Transport == Transport.Udp)
            {
                UdpReceiveLoop.DisableConnectionReset(socket.Socket);
            }
            _listeners.Add(new Listener(socket.Socket, runtime, socket.Transport, trace) { Activated = true });
            runtime.Metrics.Listening(socket.Transport);
            _endpoints.Add(new ListenerEndpoint(runtime.Kind, socket.Transport, (IPEndPoint)socket.Socket.LocalEndPoint!) { Name = runtime.Name });
        }
        if (_listeners.Count == 0)
        {
            throw new Systemd.SocketActivationException("systemd passed no sockets");
        }
    }

    private void CloseFrom(int index)
    {
        for (int i = _listeners.Count - 1; i >= index; i--)
        {
            _listeners[i].Socket.Dispose();
            _listeners.RemoveAt(i);
            _endpoints.RemoveAt(i);
        }
    }

    private void WarnAboutExposure()
    {
        foreach (ListenerEndpoint program in _endpoints.Where(e => e.Service == ServiceKind.Exec && !IPAddress.IsLoopback(e.EndPoint.Address)).DistinctBy(e => e.Name))
        {
            ServiceRuntime runtime = _services.First(s => s.Name == program.Name);
            if (runtime.Access.IsOpen)
            {
#pragma warning disable CA1848, CA2254
                _options.Logger.LogWarning($"program service {program.Name} is reachable beyond loopback on {program.EndPoint.Address} with no access list: anyone who can reach it runs {runtime.Exec?.Program.Argv[0]}; give it --allow or --deny");
#pragma warning restore CA1848, CA2254
            }
        }
        var exposed = _endpoints.Where(e => e.Transport == Transport.Udp && !IPAddress.IsLoopback(e.EndPoint.Address)).Select(e => e.EndPoint.Address).Distinct().ToList();
        if (exposed.Count == 0)
        {
            return;
        }
#pragma warning disable CA1848, CA2254
        _options.Logger.LogWarning(
            $"UDP services are reachable beyond loopback on {string.Join(", ", exposed)}: datagrams from ports below 1024 and from Inetkit's own ports are dropped, "
            + $"each remote source may send {_options.UdpRate ?? InetServerOptions.DefaultUdpRate:N0}/s and all together {_options.UdpGlobalRate ?? InetServerOptions.DefaultUdpGlobalRate:N0}/s, "
            + (_options.AllowAmplification ? "and replies are NOT capped (--allow-amplification)" : "and no reply is longer than its request"));
        if (_options.AllowAmplification)
        {
            _options.Logger.LogWarning("--allow-amplification: chargen, qotd and daytime replies to remote sources can be longer than the requests, so spoofed requests can turn this host into a reflector (US-CERT TA14-017A)");
        }
#pragma warning restore CA1848, CA2254
    }

    private void StartLoops()
    {
        SetPolicies();
        var once = new OnceGate(_options.Once, () => _ = StopAsync());
        _host = new HostContext(_options, _tracker, once, _counters, _impairments, _stopping.Token);
        ServerMetrics.Watch(_impairments);
        _services.ForEach(s => ServerMetrics.Watch(s.Metrics));
        foreach (Listener listener in _listeners)
        {
            StartLoop(listener);
        }
    }

    /// <summary>The UDP source policies: the loop guard knows every service port, and a service with rates of its own gets buckets of its own.</summary>
    private void SetPolicies()
    {
        var ports = new HashSet<int>();
        foreach (ServiceKind kind in WellKnownPorts.All)
        {
            ports.Add(WellKnownPorts.PortFor(kind, WellKnownPorts.DefaultOffset));
            if (_options.PortOffset is >= 0 and <= WellKnownPorts.MaxOffset)
            {
                ports.Add(WellKnownPorts.PortFor(kind, _options.PortOffset));
            }
        }
        ports.UnionWith(_endpoints.Select(e => e.EndPoint.Port));
        var policy = new UdpSourcePolicy(ports, _options.UdpRate, _options.UdpGlobalRate, _options.AllowAmplification, _options.TimeProvider);
        foreach (ServiceRuntime runtime in _services)
        {
            runtime.Policy = runtime.OwnPolicy
                ? new UdpSourcePolicy(ports, runtime.Definition.UdpRate ?? _options.UdpRate, runtime.Definition.UdpGlobalRate ?? _options.UdpGlobalRate, runtime.AllowAmplification, _options.TimeProvider)
                : policy;
        }
    }

    private void StartLoop(Listener listener)
    {
        if (listener.Transport == Transport.Tcp)
        {
            _loops.Add(Task.Run(new TcpAcceptLoop(listener.Socket, listener.Runtime, _host!, listener.Trace).RunAsync));
        }
        else
        {
            for (int i = 0; i < _options.UdpReceiveLoops; i++)
            {
                _loops.Add(Task.Run(new UdpReceiveLoop(listener.Socket, listener.Runtime, _host!, listener.Trace).RunAsync));
            }
        }
    }
}
