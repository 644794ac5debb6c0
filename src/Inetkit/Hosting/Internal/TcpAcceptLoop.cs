using Inetkit.Threading;
using Inetkit.Tracing;
using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;
using Inetkit.Services;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// Accepts on one listening socket and starts each connection on its own; a failing connection never stops the
/// loop. Over a cap, a client is closed at once and the others keep being served.
/// </summary>
/// <remarks>
/// The loop has a thread of its own, blocked in accept(), as each UDP socket has one blocked in recvfrom(). It
/// was an asynchronous loop, and with completions inline on the epoll thread (SocketEngineSettings) it ran on that
/// thread: while connect load kept the backlog full every accept completed at once, so it accepted without end
/// (one trace: 1,374 accepts in 157 ms and no epoll_wait), the FINs of connections already served queued unread,
/// those connections kept their slots, and the cap reset clients that were never over it (issue #11). A thread
/// of its own never holds the epoll thread, needs no thread pool hop (whose spinning cost the load generator a
/// tenth of a CPU), and serves a reply service alone: accept, send, close (<see cref="ReplyConnection"/>; on
/// Linux in system calls of its own, <see cref="RunBare"/>, which also hands echo and discard to epoll loops).
/// </remarks>
internal sealed partial class TcpAcceptLoop(Socket listener, ServiceRuntime runtime, HostContext host, Tracer trace)
{
    private static long s_nextConnectionId;

    // Read once: a closed socket can no longer say where it was bound.
    private readonly string _where = $"{runtime.Name}/tcp on {listener.LocalEndPoint}";

    private readonly EndPoint? _local = listener.LocalEndPoint;

    // Owned by this loop's thread: a reply is written here and sent before the next accept.
    private readonly byte[] _reply = runtime.Service is ITcpReplyService ? new byte[ReplyConnection.BufferSize] : [];

    // Stream toxics need the service's writes as a stream, and a connection log the stream's byte counts: the reply
    // services' direct paths are left aside for either.
    private bool Direct => runtime.Impairment.StreamDown.IsNone && host.Options.ConnectionLog is null;

    // How long accepting pauses when the process is out of file descriptors: long enough for connections to
    // end and free some, short enough that clients waiting in the backlog barely notice.
    private static readonly TimeSpan DescriptorBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>Starts the loop on its thread; completes when the listener is closed.</summary>
    public Task RunAsync() => DedicatedThread.Start($"inetkit {Name} accept", Run);

    private void Run()
    {
        if (OperatingSystem.IsLinux() && !trace.Enabled && runtime.Exec is null)
        {
            if (runtime.Service is ITcpReplyService)
            {
                RunBare(null);
                return;
            }
            if (runtime.Service is ITcpInputService && host.Streams is { } streams)
            {
                RunBare(streams);
                return;
            }
        }
        while (!host.Stopping.IsCancellationRequested)
        {
            Socket client;
            trace.Waiting("accept", "", _local);
            try
            {
                client = listener.Accept();
            }
            catch (Exception e) when (e is ObjectDisposedException || host.Stopping.IsCancellationRequested)
            {
                // Stopping: closing the listener is what wakes the blocked accept.
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                if (!PauseForDescriptors(e.Message))
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

    /// <summary>Out of file descriptors: says so and waits; false if the server stops meanwhile.</summary>
    private bool PauseForDescriptors(string error)
    {
        host.Warn($"{_where}: out of file descriptors ({error}); pausing accept for {DescriptorBackoff.TotalMilliseconds:N0} ms; raise the limit with 'ulimit -n' or lower --max-connections");
        return Pause(DescriptorBackoff);
    }

    /// <summary>Waits on the host's clock (a test may move it); false if the server stops meanwhile.</summary>
    private bool Pause(TimeSpan delay)
    {
        try
        {
            Task.Delay(delay, host.Clock, host.Stopping).GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private string Name => $"{runtime.Name}/tcp";

    private void Admit(Socket client)
    {
        var remote = (IPEndPoint)client.RemoteEndPoint!;
        if (trace.Enabled)
        {
            trace.Call("accept", "", $"{remote}", peer: remote, local: client.LocalEndPoint);
        }
        if (TryAdmit(remote.Address, remote.Port) is { } refusal)
        {
            // Linger 0: a refused client learns at once (RST) instead of waiting on a connection nobody serves.
            client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            if (trace.Enabled)
            {
                trace.Call("close", "", comment: $"({refusal})");
            }
            return;
        }
        long id = NextId();
        Tracer connectionTrace = trace.For($"{Name} #{id}");
        if (runtime.Exec is { } exec)
        {
            _ = new TcpConnection(client, remote, exec.ForConnection(client, remote, connectionTrace, host), runtime, host, connectionTrace, id).RunAsync();
            return;
        }
        if (Direct && runtime.Service is ITcpReplyService replies && replies.TryWriteReply(_reply, out int length))
        {
            ReplyConnection.Serve(client, remote, _reply.AsSpan(0, length), runtime, host, connectionTrace, id);
            return;
        }
        client.NoDelay = true;
        var connection = new TcpConnection(client, remote, (ITcpService)runtime.Service!, runtime, host, connectionTrace, id);
        _ = connection.RunAsync();
    }

    /// <summary>
    /// Counts the client in against the access list, the caps, the program's instances and --once; otherwise
    /// counts and logs the refusal and says why.
    /// </summary>
    private string? TryAdmit(IPAddress address, int port)
    {
        string? refusal = null;
        RefusalReason reason = default;
        AccessDecision access = runtime.Access.Decide(address);
        if (!access.Allowed)
        {
            refusal = $"refused by the access list ({access.Rule})";
            reason = RefusalReason.AccessList;
        }
        else if (!host.Tracker.TryAdmit(address, runtime.Caps, runtime.Name, out refusal, out reason))
        {
        }
        else if (runtime.Exec is { } exec && !exec.TryReserve())
        {
            host.Tracker.Unadmit(address, runtime.Caps);
            refusal = $"{exec.Program.Instances:N0} instances of the program already run (instances)";
            reason = RefusalReason.Instances;
        }
        else if (!host.Once.TryClaim())
        {
            runtime.Exec?.Unreserve();
            host.Tracker.Unadmit(address, runtime.Caps);
            refusal = "--once has already taken a connection";
            reason = RefusalReason.Once;
        }
        if (refusal is null)
        {
            host.Counters.Accepted();
            runtime.Metrics.Accepted();
            return null;
        }
        host.Counters.Refused(reason);
        runtime.Metrics.Refused(reason);
        host.Refused(runtime.Name, Transport.Tcp, new IPEndPoint(address, port), reason, refusal);
        return refusal;
    }

    private static long NextId() => Interlocked.Increment(ref s_nextConnectionId);
}
