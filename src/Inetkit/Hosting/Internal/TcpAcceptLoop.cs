using Inetkit.Tracing;
using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;
using Inetkit.Services;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// Accepts on one listening socket and starts each connection on its own; a failing connection never stops
/// the loop. Over a cap, a client is closed at once and the others keep being served.
/// </summary>
internal sealed class TcpAcceptLoop(Socket listener, ITcpService service, ServiceKind kind, HostContext host, Tracer trace)
{
    private static long s_nextConnectionId;

    // Read once: a closed socket can no longer say where it was bound.
    private readonly string _where = $"{WellKnownPorts.Name(kind)}/tcp on {listener.LocalEndPoint}";

    // How long accepting pauses when the process is out of file descriptors: long enough for connections to
    // end and free some, short enough that clients waiting in the backlog barely notice.
    private static readonly TimeSpan DescriptorBackoff = TimeSpan.FromMilliseconds(100);

    public async Task RunAsync()
    {
        while (!host.Stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(host.Stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is ObjectDisposedException || host.Stopping.IsCancellationRequested)
            {
                // Stopping: the listener was closed under the pending accept.
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                host.Warn($"{_where}: out of file descriptors ({e.Message}); pausing accept for {DescriptorBackoff.TotalMilliseconds:N0} ms; raise the limit with 'ulimit -n' or lower --max-connections");
                try
                {
                    await Task.Delay(DescriptorBackoff, host.Clock, host.Stopping);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                continue;
            }
            catch (SocketException e)
            {
                // A client that reset before we accepted it, and the like: its problem, not the listener's.
                host.ErrorLog.Log(LogLevel.Debug, $"{_where}: accept failed: {e.Message}");
                continue;
            }
            Admit(client);
        }
    }

    private string Name => $"{WellKnownPorts.Name(kind)}/tcp";

    private void Admit(Socket client)
    {
        var remote = (IPEndPoint)client.RemoteEndPoint!;
        if (trace.Enabled)
        {
            trace.Call($"accept() -> {remote}");
        }
        if (!host.Tracker.TryAdmit(remote.Address, out string? refusal))
        {
            host.RefusalLog.Log(LogLevel.Warning, $"{Name}: refused {remote}: {refusal}");
        }
        else if (!host.Once.TryClaim())
        {
            host.Tracker.Unadmit(remote.Address);
            refusal = "--once has already taken a connection";
        }
        if (refusal is not null)
        {
            host.Counters.Refused();
            // Linger 0: a refused client learns at once (RST) instead of waiting on a connection nobody serves.
            client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            if (trace.Enabled)
            {
                trace.Call($"close() ({refusal})");
            }
            return;
        }
        host.Counters.Accepted();
        client.NoDelay = true;
        long id = Interlocked.Increment(ref s_nextConnectionId);
        var connection = new TcpConnection(client, remote, service, host, trace.For($"{Name} #{id}"), id);
        _ = connection.RunAsync();
    }
}
