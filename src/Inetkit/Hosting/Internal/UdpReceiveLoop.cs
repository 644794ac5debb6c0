using Inetkit.Interop.Linux;
using Inetkit.Threading;
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
internal sealed class UdpReceiveLoop(Socket socket, ServiceRuntime runtime, HostContext host, Tracer trace)
{
    // The largest UDP payload over IPv4 is 65,507 bytes and over IPv6 65,527; one buffer of 65,535 holds either.
    internal const int BufferSize = 65535;

    // Read once: a closed socket can no longer say where it was bound.
    private readonly string _where = $"{runtime.Name}/udp on {socket.LocalEndPoint}";

    private readonly EndPoint? _local = socket.LocalEndPoint;

    // --impair: the replies go through these, one toward loopback and one, never duplicating, beyond it.
    private readonly ImpairedReplies? _impaired = ImpairedReplies.For(socket, runtime, host, trace);

    /// <summary>
    /// Runs the loop on a thread of its own, in blocking receives: a datagram service has nothing to do between
    /// datagrams, and a thread that sleeps in recvfrom() is woken by the kernel directly, where an asynchronous
    /// receive is woken by the epoll thread and handed to the thread pool (two context switches a datagram, which
    /// `perf` showed as half of the server's time). Completes when the socket is closed.
    /// </summary>
    public Task RunAsync() => DedicatedThread.Start($"inetkit {Name} receive", Run);

    private void Run()
    {
        try
        {
            // A program's datagrams, --impair and --once keep one call per datagram: each has its own timing to keep.
            if (DatagramBatch.IsSupported && _impaired is null && runtime.Exec is null && !host.Once.Enabled)
            {
                RunBatched();
            }
            else
            {
                RunSingly();
            }
        }
        finally
        {
            _impaired?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private void RunSingly()
    {
        byte[] request = GC.AllocateUninitializedArray<byte>(BufferSize);
        byte[] reply = GC.AllocateUninitializedArray<byte>(BufferSize);
        var from = new SocketAddress(socket.AddressFamily);
        while (!host.Stopping.IsCancellationRequested && ReceiveOne(request, reply, from))
        {
        }
    }

    /// <summary>One recvfrom and its answer; false once the socket is closed.</summary>
    private bool ReceiveOne(byte[] request, byte[] reply, SocketAddress from)
    {
        int length;
        if (trace.Enabled)
        {
            trace.Waiting("recvfrom", $"{BufferSize}", _local);
        }
        try
        {
            length = socket.ReceiveFrom(request, SocketFlags.None, from);
        }
        catch (Exception e) when (e is ObjectDisposedException || host.Stopping.IsCancellationRequested)
        {
            // Closing the socket is how the host stops this loop: it wakes the blocked receive.
            return false;
        }
        catch (SocketException e)
        {
            // An ICMP error for an earlier reply (reported here on some systems) or a truncated datagram:
            // about one datagram, never about the socket.
            host.ErrorLog.Log(LogLevel.Debug, $"{_where}: receive failed: {e.Message}");
            return true;
        }
        Serve(request.AsSpan(0, length), reply, reply, from, null);
        return true;
    }

    /// <summary>
    /// Linux: every datagram already queued taken by one recvmmsg, and the replies sent by one sendmmsg, as
    /// echo_limit does; each datagram still meets every guard, limit and count one at a time. While a trace
    /// listens, one call per datagram, so that each is told as the call it is.
    /// </summary>
    private void RunBatched()
    {
        using var received = new DatagramBatch(BatchSize);
        using var replies = new DatagramBatch(BatchSize);
        var sentTo = new (SourceAddress Source, UdpSourcePolicy Policy)[BatchSize];
        byte[]? request = null, reply = null;
        var from = new SocketAddress(socket.AddressFamily);
        Action<int> sent = i =>
        {
            ReadOnlySpan<byte> datagram = replies.Queued(i);
            sentTo[i].Policy.Replied(sentTo[i].Source, datagram);
            host.Counters.Answered();
            runtime.Metrics.Answered(datagram.Length);
        };
        Action<int, SocketError> failed = (i, error) => host.ErrorLog.Log(LogLevel.Debug, $"{Name}: sendto {sentTo[i].Source} failed: {error}");
        while (!host.Stopping.IsCancellationRequested)
        {
            if (trace.Enabled)
            {
                request ??= GC.AllocateUninitializedArray<byte>(BufferSize);
                reply ??= GC.AllocateUninitializedArray<byte>(BufferSize);
                if (!ReceiveOne(request, reply, from))
                {
                    return;
                }
                continue;
            }
            int count;
            try
            {
                count = received.Receive(socket);
            }
            catch (Exception e) when (e is ObjectDisposedException || host.Stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                host.ErrorLog.Log(LogLevel.Debug, $"{_where}: receive failed: {e.Message}");
                continue;
            }
            if (count == 0)
            {
                // Shut down: nothing more can arrive.
                return;
            }
            for (int i = 0; i < count; i++)
            {
                received.CopyAddress(i, from);
                Serve(received.Payload(i), replies.Next, null, from, (replies, sentTo));
            }
            try
            {
                replies.Send(socket, sent, failed);
            }
            catch (ObjectDisposedException)
            {
                // Stopped while sending: the stop, not these datagrams, decides what happens next.
                return;
            }
        }
    }

    // Half of echo_limit's 64: a busy socket's slots then hold about 128 KB resident per batch (a page per small datagram).
    private const int BatchSize = 32;

    private string Name => $"{runtime.Name}/udp";

    /// <summary>
    /// Answers one datagram into <paramref name="reply"/> (<paramref name="replyArray"/> is the same buffer as an
    /// array, for the impaired path, which keeps it); with <paramref name="queue"/>, the reply is queued for the
    /// batch's sendmmsg instead of sent, and counted when it goes.
    /// </summary>
    private void Serve(ReadOnlySpan<byte> request, Span<byte> reply, byte[]? replyArray, SocketAddress from, (DatagramBatch Batch, (SourceAddress, UdpSourcePolicy)[] SentTo)? queue)
    {
        host.Counters.Received();
        runtime.Metrics.Received(request.Length);
        SourceAddress source = SourceAddress.From(from);
        if (trace.Enabled)
        {
            trace.Call("recvfrom", $"{BufferSize}", $"{request.Length} bytes from {source}", request, new IPEndPoint(source.ToIPAddress(), source.Port), _local);
        }
        AccessDecision access = runtime.Access.Decide(source.Address);
        if (!access.Allowed)
        {
            Drop(UdpVerdict.AccessDenied, source, access.Rule);
            return;
        }
        UdpSourcePolicy policy = runtime.Policy;
        UdpVerdict verdict = policy.Check(source, request, out int maxReply);
        if (verdict != UdpVerdict.Accept)
        {
            Drop(verdict, source);
            return;
        }
        if (runtime.Exec is { } exec)
        {
            if (!exec.TryReserve())
            {
                Drop(UdpVerdict.InstancesExhausted, source, $"{exec.Program.Instances:N0} instances already run");
                return;
            }
            if (!host.Once.TryClaim())
            {
                exec.Unreserve();
                return;
            }
            exec.AnswerDatagram(request, from, source, maxReply, socket, policy, host, trace);
            return;
        }
        if (!host.Once.TryClaim())
        {
            return;
        }
        var service = (IUdpService)runtime.Service!;
        if (!service.TryRespond(request, reply[..Math.Min(maxReply, reply.Length)], out int replyLength))
        {
            if (runtime.Kind != ServiceKind.Discard)
            {
                // Not the protocol's silence: the reply would have made us an amplifier.
                runtime.Metrics.DroppedAsAmplifier();
            }
            if (trace.Enabled)
            {
                trace.Call(runtime.Kind == ServiceKind.Discard ? "(discarded; no reply)" : $"(no reply: it would be longer than the {request.Length}-byte request)");
            }
            host.Once.Served();
            return;
        }
        if (_impaired is not null)
        {
            policy.Replied(source, reply[..replyLength]);
            host.Counters.Answered();
            runtime.Metrics.Answered(replyLength);
            _impaired.Submit(replyArray.AsMemory(0, replyLength), from, source.IsLoopback);
            host.Once.Served();
            return;
        }
        if (trace.Enabled)
        {
            // Told before the call: the client's receive of the reply must never come first in a diagram.
            trace.Call("sendto", $"{replyLength} bytes, {source}", data: reply[..replyLength], peer: new IPEndPoint(source.ToIPAddress(), source.Port), local: _local);
        }
        if (queue is { } batch)
        {
            batch.SentTo[batch.Batch.Count] = (source, policy);
            batch.Batch.Add(replyLength, from);
            host.Once.Served();
            return;
        }
        try
        {
            socket.SendTo(reply[..replyLength], SocketFlags.None, from);
            policy.Replied(source, reply[..replyLength]);
            host.Counters.Answered();
            runtime.Metrics.Answered(replyLength);
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

    private void Drop(UdpVerdict verdict, SourceAddress source, string? rule = null)
    {
        host.Counters.Dropped(verdict);
        runtime.Metrics.Dropped(verdict);
        string why = verdict switch
        {
            UdpVerdict.AccessDenied => $"refused by the access list ({rule})",
            UdpVerdict.InstancesExhausted => $"the program's instances are all busy ({rule})",
            UdpVerdict.ReservedSourcePort => $"source port {source.Port} is below 1024, where services like this one live (loop guard)",
            UdpVerdict.ServiceSourcePort => $"source port {source.Port} is an Inetkit service port (loop guard)",
            UdpVerdict.InvalidSourceAddress => "the source address is unspecified, multicast or broadcast (spoofed)",
            UdpVerdict.SourceRateLimited => "this source is over its --udp-rate",
            UdpVerdict.ReflectedReply => "this source keeps sending our own replies straight back, a reflection loop with another server (an echo, or one like this); muted for 60 s",
            _ => "all sources together are over the global UDP rate",
        };
        if (trace.Enabled)
        {
            trace.Call($"(dropped: {why})");
        }
        if (verdict is UdpVerdict.AccessDenied or UdpVerdict.InstancesExhausted)
        {
            // A refusal, as a refused TCP client is: its own throttle, and a line in the connection log.
            host.Refused(runtime.Name, Transport.Udp, new IPEndPoint(source.ToIPAddress(), source.Port), verdict == UdpVerdict.AccessDenied ? RefusalReason.AccessList : RefusalReason.Instances, why);
            return;
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
