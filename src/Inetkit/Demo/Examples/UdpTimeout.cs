using System.Net;
using System.Net.Sockets;
using Inetkit.Tracing;

namespace Inetkit.Demo.Examples;

/// <summary>
/// The seed's exceptions example: a socket bound and waiting with settimeout(3) for a datagram that nobody sends;
/// recvfrom raises socket.timeout and the program prints "No connection!". The wait is on the demo's clock.
/// </summary>
internal sealed class UdpTimeout : DemoExample
{
    /// <summary>The seed's <c>s.settimeout(3)</c>.</summary>
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public override string Name => "udp-timeout";

    public override string Summary => "the seed's exceptions example: settimeout(3), nothing answers, \"No connection!\"";

    public override (string Client, string Server) Lanes => ("receiver", "(nobody sends)");

    public override bool TakesServer => false;

    public override async Task RunAsync(DemoContext context, CancellationToken cancellationToken)
    {
        Tracer trace = context.Tracer(DemoLane.Client, "udp", SeedCode.UdpTimeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        trace.Call("socket", "AF_INET, SOCK_DGRAM");
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        trace.Call("bind", $"{socket.LocalEndPoint}", local: socket.LocalEndPoint);
        // Python's settimeout is no system call: it makes the socket non-blocking and waits in poll().
        trace.Call("setsockopt", $"timeout {Timeout.TotalSeconds:0} s", comment: "# Python waits in poll(); the call returns when the time is up");
        byte[] buffer = new byte[1024];
        trace.Waiting("recvfrom", "1024", socket.LocalEndPoint);
        using var timeout = new CancellationTokenSource(Timeout, context.Clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            SocketReceiveFromResult got = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), linked.Token);
            trace.Call("recvfrom", "1024", $"{got.ReceivedBytes} bytes from {got.RemoteEndPoint}", buffer.AsSpan(0, got.ReceivedBytes), got.RemoteEndPoint, socket.LocalEndPoint);
            context.Recorder.Print(DemoLane.Client, $"received: {got.RemoteEndPoint}");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            trace.Call("recvfrom", "1024", $"timed out after {Timeout.TotalSeconds:0} s: socket.timeout", local: socket.LocalEndPoint, failed: true);
            context.Recorder.Print(DemoLane.Client, "No connection!");
        }
        trace.Call("close", "", comment: "# the with block ends");
    }
}
