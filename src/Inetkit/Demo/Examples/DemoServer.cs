using System.Net;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tracing;

namespace Inetkit.Demo.Examples;

/// <summary>Inetkit's own server for an example's server lane: one service, on loopback, on a port the kernel picks.</summary>
internal static class DemoServer
{
    public static Task<InetServer> StartAsync(DemoContext context, ServiceKind service, Transport transport, Func<TraceEvent, string?> seed,
        Func<InetServerOptions, InetServerOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new InetServerOptions
        {
            Services = [service],
            Transports = transport,
            BindAddresses = [IPAddress.Loopback],
            Port = 0,
            TraceEvents = context.Recorder.For(DemoLane.Server, seed),
            ShutdownGrace = TimeSpan.FromSeconds(1),
        };
        options = configure is null ? options : configure(options);
        // After the example's own: what the page asks for replaces udp-loss's seeded spec.
        if (transport == Transport.Udp && context.Impairment is { } impairment)
        {
            options = options with { Impairment = impairment };
        }
        return StartAndWatchAsync(context, options, service, transport, cancellationToken);
    }

    private static async Task<InetServer> StartAndWatchAsync(DemoContext context, InetServerOptions options, ServiceKind service, Transport transport, CancellationToken cancellationToken)
    {
        InetServer server = await InetServer.StartAsync(options, cancellationToken);
        foreach (Transport one in new[] { Transport.Tcp, Transport.Udp }.Where(t => transport.HasFlag(t)))
        {
            context.Watch(server.GetEndPoint(service, one).Port);
        }
        return server;
    }

    /// <summary>Where the client goes: the user's server with <c>--server</c>, else ours.</summary>
    public static IPEndPoint Target(DemoContext context, InetServer? ours, ServiceKind service, Transport transport)
    {
        IPEndPoint target = context.Server ?? ours!.GetEndPoint(service, transport);
        context.Watch(target.Port);
        return target;
    }
}
