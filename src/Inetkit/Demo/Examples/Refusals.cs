using System.Net;
using System.Net.Sockets;
using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Demo.Examples;

/// <summary>connect() to a port where nothing listens: the kernel answers the SYN with a RST, and connect fails.</summary>
internal sealed class TcpRefused : DemoExample
{
    public override string Name => "tcp-refused";

    public override string Summary => "connect() to a closed port: the SYN is answered by RST, ConnectionRefusedError";

    public override (string Client, string Server) Lanes => ("client", "closed port");

    public override async Task RunAsync(DemoContext context, CancellationToken cancellationToken)
    {
        // Bound but not listening: the port stays ours (nobody else can start listening there) and refuses.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        IPEndPoint target = context.Server ?? (IPEndPoint)closed.LocalEndPoint!;
        context.Watch(target.Port);
        context.Recorder.Print(DemoLane.Server, $"nothing listens on {target}");
        var options = new ClientOptions { Transport = Transport.Tcp, TraceEvents = context.Recorder.For(DemoLane.Client, SeedCode.TcpEchoClient) };
        try
        {
            await new EchoClient(new ServiceAddress(target.Address.ToString(), target.Port), options).SendAsync("Hello"u8.ToArray(), cancellationToken);
        }
        catch (ClientException e) when (e.Failure == ClientFailure.Unreachable)
        {
            context.Recorder.Print(DemoLane.Client, "ConnectionRefusedError: [Errno 111] Connection refused");
        }
    }
}

/// <summary>
/// sendto() a UDP port where nothing listens: the datagram goes (UDP needs no handshake), the kernel answers with
/// ICMP port unreachable, and the connected socket's next recv fails with it.
/// </summary>
internal sealed class UdpUnreachable : DemoExample
{
    public override string Name => "udp-unreachable";

    public override string Summary => "sendto() a closed UDP port: the datagram goes, ICMP port unreachable comes back, recv fails";

    public override (string Client, string Server) Lanes => ("client", "closed port");

    public override async Task RunAsync(DemoContext context, CancellationToken cancellationToken)
    {
        IPEndPoint target = context.Server ?? FreeUdpPort();
        context.Watch(target.Port);
        context.Recorder.Print(DemoLane.Server, $"nothing listens on {target}/udp");
        var options = new ClientOptions { Transport = Transport.Udp, TraceEvents = context.Recorder.For(DemoLane.Client, SeedCode.UdpEchoClient) };
        try
        {
            await new EchoClient(new ServiceAddress(target.Address.ToString(), target.Port), options).SendAsync("Hello World"u8.ToArray(), cancellationToken);
        }
        catch (ClientException e) when (e.Failure is ClientFailure.Unreachable or ClientFailure.Timeout)
        {
            context.Recorder.Print(DemoLane.Client, e.Failure == ClientFailure.Unreachable ? "ConnectionRefusedError: [Errno 111] Connection refused" : "No connection!");
        }
    }

    /// <summary>A UDP port nobody uses now: one the kernel gave and took back (nothing else binds it in the instant before the datagram, on a machine at rest).</summary>
    private static IPEndPoint FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }
}
