using System.Net;
using Inetkit.Hosting;
using Inetkit.Protocol;

namespace Inetkit.Tests.Support;

/// <summary>Starts servers the way a project using Inetkit as a test fixture would: port 0, endpoints read back.</summary>
internal static class Servers
{
    public static Task<InetServer> StartAsync(ServiceKind service, TraceRecorder? trace = null, Func<InetServerOptions, InetServerOptions>? configure = null) =>
        StartAsync([service], trace, configure);

    public static Task<InetServer> StartAsync(ServiceKind[] services, TraceRecorder? trace = null, Func<InetServerOptions, InetServerOptions>? configure = null)
    {
        var options = new InetServerOptions { Services = services, Port = 0, Trace = trace is null ? null : trace.Write };
        return InetServer.StartAsync(configure is null ? options : configure(options), TestContext.Current.CancellationToken);
    }

    public static IPEndPoint EndPoint(this InetServer server, ServiceKind service, Transport transport, bool ipv6 = false) =>
        server.GetEndPoint(service, transport, ipv6 ? System.Net.Sockets.AddressFamily.InterNetworkV6 : System.Net.Sockets.AddressFamily.InterNetwork);
}
