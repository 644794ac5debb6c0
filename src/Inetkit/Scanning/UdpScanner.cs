using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;

namespace Inetkit.Scanning;

/// <summary>How a UDP scan runs.</summary>
public sealed record UdpScanOptions
{
    /// <summary>How long to wait for an answer to each try.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Further tries after silence, before a port is called open|filtered.</summary>
    public int Retries { get; init; } = 1;
}

/// <summary>
/// A UDP probe per port, on its own connected socket so that the kernel reports the ICMP port unreachable for that
/// port on that socket: open (any reply), closed (port unreachable), filtered (other ICMP unreachable),
/// open|filtered (silence after every try), as nmap reports them.
/// </summary>
public sealed class UdpScanner(UdpScanOptions options)
{
    /// <summary>Probes one port.</summary>
    public async Task<PortResult> ProbeAsync(IPAddress address, int port, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var target = new IPEndPoint(address, port);
        ReadOnlyMemory<byte> probe = UdpProbes.For(port);
        using var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            await socket.ConnectAsync(target, cancellationToken);
        }
        catch (SocketException e)
        {
            return Result(PortState.Filtered, e.SocketErrorCode.ToString().ToLowerInvariant());
        }
        byte[] reply = new byte[65535];
        for (int attempt = 0; attempt <= options.Retries; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Timeout);
            try
            {
                await socket.SendAsync(probe, SocketFlags.None, cancellationToken);
                await socket.ReceiveAsync(reply, SocketFlags.None, timeout.Token);
                return Result(PortState.Open, "udp-response");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Silence this time; try again, or call it open|filtered.
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return Result(PortState.Closed, "port-unreach");
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.AccessDenied)
            {
                return Result(PortState.Filtered, "host-unreach");
            }
        }
        return Result(PortState.OpenFiltered, "no-response");

        PortResult Result(PortState state, string reason) => new(address, Transport.Udp, port, state, reason);
    }
}
