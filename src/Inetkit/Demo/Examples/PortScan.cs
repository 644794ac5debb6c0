using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Scanning;

namespace Inetkit.Demo.Examples;

/// <summary>
/// A connect scan of three loopback ports the demo sets up itself, one listening, one bound and not listening, one
/// listening again: connect() succeeds (open) or is refused (closed), and why. Loopback only, ports of our own.
/// </summary>
internal sealed class PortScan : DemoExample
{
    public override string Name => "scan";

    public override string Summary => "a connect scan of three loopback ports of its own: open (the handshake completes), closed (RST), and why";

    public override (string Client, string Server) Lanes => ("scanner", "127.0.0.1 (three ports)");

    public override bool TakesServer => false;

    public override async Task RunAsync(DemoContext context, CancellationToken cancellationToken)
    {
        await using InetServer echo = await DemoServer.StartAsync(context, ServiceKind.Echo, Transport.Tcp, SeedCode.TcpEchoServer, cancellationToken: cancellationToken);
        await using InetServer qotd = await DemoServer.StartAsync(context, ServiceKind.Qotd, Transport.Tcp, SeedCode.TcpQotdServer, cancellationToken: cancellationToken);
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        context.Watch(((IPEndPoint)closed.LocalEndPoint!).Port);
        int[] ports = [echo.GetEndPoint(ServiceKind.Echo, Transport.Tcp).Port, ((IPEndPoint)closed.LocalEndPoint!).Port, qotd.GetEndPoint(ServiceKind.Qotd, Transport.Tcp).Port];
        context.Recorder.Print(DemoLane.Server, $"port {ports[0]}: echo listens; port {ports[1]}: bound, nobody listens; port {ports[2]}: qotd listens");
        var scanner = new PortScanner(new ScanOptions { Retries = 0, TraceEvents = context.Recorder.For(DemoLane.Client, SeedCode.Scanner) });
        foreach (int port in ports)
        {
            PortResult result = await scanner.ProbeAsync(IPAddress.Loopback, Transport.Tcp, port, cancellationToken);
            string why = result.State switch
            {
                PortState.Open => "the handshake completed: something accepts connections there",
                PortState.Closed => "the SYN was answered with RST: the host is there, nothing listens",
                _ => "no answer at all: something dropped the SYN",
            };
            context.Recorder.Print(DemoLane.Client, $"{port}/tcp {result.State.Name()} ({result.Reason}): {why}");
        }
    }
}
