using Inetkit.Tracing;
using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;
using Inetkit.Services;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// Receives datagrams on one socket and answers each as the service says, after the source policy has had its
/// say. Allocation-free per datagram: one pinned buffer each way and one reused <see cref="SocketAddress"/>.
/// </summary>
internal sealed class UdpReceiveLoop(Socket socket, IUdpService service, ServiceKind kind, HostContext host, Tracer trace)
{
    // The largest UDP payload over IPv4 is 65,507 bytes and over IPv6 65,527; one buffer of 65,535 holds either.
    internal const int BufferSize = 65535;

    // Read once: a closed socket can no longer say where it was bound.
    private readonly string _where = $"{WellKnownPorts.Name(kind)}/udp on {socket.LocalEndPoint}";

    public async Task RunAsync()
    {
        byte[] request = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
        byte[] reply = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
        var from = new SocketAddress(socket.AddressFamily);
        while (!host.Stopping.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await socket.ReceiveFromAsync(request, SocketFlags.None, from, host.Stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || host.Stopping.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException e)
            {
                // An ICMP error for an earlier reply (reported here on some systems) or a truncated datagram:
                // about one datagram, never about the socket.
                host.ErrorLog.Log(LogLevel.Debug, $"{_where}: receive failed: {e.Message}");
                continue;
            }
            await ServeAsync(request.AsMemory(0, length), reply, from);
        }
    }

    private string Name => $"{WellKnownPorts.Name(kind)}/udp";

    private async ValueTask ServeAsync(ReadOnlyMemory<byte> request, byte[] reply, SocketAddress from)
    {
        host.Counters.Received();
        SourceAddress source = SourceAddress.From(from);
        if (trace.Enabled)
        {
            trace.Call($"recvfrom({BufferSize}) -> {request.Length} bytes from {source}");
        }
        UdpVerdict verdict = host.Policy.Check(source, request.Length, out int maxReply);
        if (verdict != UdpVerdict.Accept)
        {
            Drop(verdict, source);
            return;
        }
        if (!host.Once.TryClaim())
        {
            return;
        }
        if (!service.TryRespond(request.Span, reply.AsSpan(0, Math.Min(maxReply, reply.Length)), out int replyLength))
        {
            if (trace.Enabled)
            {
                trace.Call(kind == ServiceKind.Discard ? "(discarded; no reply)" : $"(no reply: it would be longer than the {request.Length}-byte request)");
            }
            host.Once.Served();
            return;
        }
        try
        {
            await socket.SendToAsync(reply.AsMemory(0, replyLength), SocketFlags.None, from);
            host.Counters.Answered();
            if (trace.Enabled)
            {
                trace.Call($"sendto({replyLength} bytes, {source})");
            }
        }
        catch (SocketException e)
        {
            host.ErrorLog.Log(LogLevel.Debug, $"{Name}: sendto {source} failed: {e.Message}");
        }
        catch (ObjectDisposedException)
        {
            // Stopped while sending: the stop, not this datagram, decides what happens next.
        }
        host.Once.Served();
    }

    private void Drop(UdpVerdict verdict, SourceAddress source)
    {
        host.Counters.Dropped(verdict);
        string why = verdict switch
        {
            UdpVerdict.ReservedSourcePort => $"source port {source.Port} is below 1024, where services like this one live (loop guard)",
            UdpVerdict.ServiceSourcePort => $"source port {source.Port} is an Inetkit service port (loop guard)",
            UdpVerdict.InvalidSourceAddress => "the source address is unspecified, multicast or broadcast (spoofed)",
            UdpVerdict.SourceRateLimited => "this source is over its --udp-rate",
            _ => "all sources together are over the global UDP rate",
        };
        if (trace.Enabled)
        {
            trace.Call($"(dropped: {why})");
        }
        host.DropLog.Log(LogLevel.Warning, $"{Name}: dropped a datagram from {source}: {why}");
    }

    /// <summary>Stops Windows from reporting an ICMP port unreachable for an earlier reply as an error on the next receive.</summary>
    internal static void DisableConnectionReset(Socket socket)
    {
        if (OperatingSystem.IsWindows())
        {
            const int SioUdpConnReset = unchecked((int)0x9800000C);
            socket.IOControl(SioUdpConnReset, [0, 0, 0, 0], null);
        }
    }
}
