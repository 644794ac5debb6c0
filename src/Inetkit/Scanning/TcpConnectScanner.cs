using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Inetkit.Protocol;

namespace Inetkit.Scanning;

/// <summary>How a TCP connect scan runs.</summary>
public sealed record TcpScanOptions
{
    /// <summary>How long a connect may take before the port counts as filtered (for this try).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Further tries for a port that timed out.</summary>
    public int Retries { get; init; } = 1;

    /// <summary>Connects in flight at once.</summary>
    public int Concurrency { get; init; } = 256;
}

/// <summary>
/// A TCP connect scan: open (connected), closed (refused), filtered (silence or ICMP unreachable). Every probe
/// socket is closed with linger 0, so an open port leaves no TIME_WAIT behind; a connection to itself (a loopback
/// port inside the ephemeral range that the kernel picked as its own source) is closed, never open; running out of
/// descriptors or local ports slows the scan down and retries, never turns a port "filtered".
/// </summary>
public sealed class TcpConnectScanner(TcpScanOptions options)
{
    // How long a probe that found no descriptor or local port waits before it tries again.
    private static readonly TimeSpan ResourceBackoff = TimeSpan.FromMilliseconds(20);

    private int _resourceRetries;

    /// <summary>Probes that had to wait for a descriptor or a local port (reported so the summary can say so).</summary>
    public int ResourceRetries => Volatile.Read(ref _resourceRetries);

    /// <summary>Scans each (address, port); results arrive as probes finish, not in order.</summary>
    public async IAsyncEnumerable<PortResult> ScanAsync(IEnumerable<(IPAddress Address, int Port)> probes, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probes);
        var results = Channel.CreateUnbounded<PortResult>(new UnboundedChannelOptions { SingleReader = true });
        Task producer = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(probes, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken }, async (probe, ct) =>
                    await results.Writer.WriteAsync(await ProbeAsync(probe.Address, probe.Port, ct), ct));
                results.Writer.Complete();
            }
            catch (Exception e)
            {
                results.Writer.Complete(e);
            }
        }, CancellationToken.None);
        await foreach (PortResult result in results.Reader.ReadAllAsync(cancellationToken))
        {
            yield return result;
        }
        await producer;
    }

    /// <summary>One port, with retries on silence.</summary>
    public async Task<PortResult> ProbeAsync(IPAddress address, int port, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var target = new IPEndPoint(address, port);
        for (int attempt = 0; ; attempt++)
        {
            (PortState State, string Reason)? outcome = await TryConnectAsync(target, cancellationToken);
            if (outcome is null)
            {
                // No descriptor or local port right now: wait for others to finish, and try the same port again.
                Interlocked.Increment(ref _resourceRetries);
                await Task.Delay(ResourceBackoff, cancellationToken);
                attempt--;
                continue;
            }
            if (outcome.Value.Reason != "no-response" || attempt >= options.Retries)
            {
                return new PortResult(address, Transport.Tcp, port, outcome.Value.State, outcome.Value.Reason);
            }
        }
    }

    private async Task<(PortState, string)?> TryConnectAsync(IPEndPoint target, CancellationToken cancellationToken)
    {
        Socket socket;
        try
        {
            socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
        {
            return null;
        }
        using (socket)
        {
            // Linger 0: closing sends RST, so an open port leaves no TIME_WAIT behind on either side.
            socket.LingerState = new LingerOption(true, 0);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Timeout);
            try
            {
                await socket.ConnectAsync(target, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (PortState.Filtered, "no-response");
            }
            catch (SocketException e)
            {
                return e.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => (PortState.Closed, "conn-refused"),
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.AccessDenied => (PortState.Filtered, "icmp-unreachable"),
                    SocketError.TimedOut => (PortState.Filtered, "no-response"),
                    SocketError.AddressNotAvailable or SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable => null,
                    _ => (PortState.Filtered, e.SocketErrorCode.ToString().ToLowerInvariant()),
                };
            }
            // TCP simultaneous open: on loopback, a connect to a closed port in the ephemeral range can be given that
            // very port as its source and "connect" to itself. Nothing listens there: the port is closed.
            return IsConnectedToItself(socket) ? (PortState.Closed, "self-connect") : (PortState.Open, "syn-ack");
        }
    }

    /// <summary>True for a socket whose local and remote endpoints are the same (TCP simultaneous open with itself).</summary>
    internal static bool IsConnectedToItself(Socket socket) =>
        socket.LocalEndPoint is IPEndPoint local && local.Equals(socket.RemoteEndPoint);
}
