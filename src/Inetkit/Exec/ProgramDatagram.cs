using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Hosting.Internal;
using Inetkit.Protocol;
using Inetkit.Tracing;
using Microsoft.Extensions.Logging;

// Only Linux runs programs: ServiceRuntime makes an ExecRunner nowhere else (ResolvedProgram refuses), so
// every call here into the Linux-only process layer is reached on Linux alone.
#pragma warning disable CA1416

namespace Inetkit.Exec;

/// <summary>
/// One datagram answered by a program: it starts with the datagram on stdin (then EOF), and what it has written to
/// stdout when it exits is the one reply, sent from the service's socket. Cut at the largest UDP payload; toward a
/// source beyond loopback, a reply longer than the request is not sent at all (unless amplification is allowed),
/// as for the built-ins, since a cut reply would be a wrong one.
/// </summary>
internal static class ProgramDatagram
{
    /// <summary>The largest UDP payload over IPv4, and so the longest reply a program can give.</summary>
    public const int MaxReply = 65_507;

    public static void Start(ExecRunner runner, ReadOnlySpan<byte> request, SocketAddress from, SourceAddress source, int maxReply, Socket socket, UdpSourcePolicy policy, HostContext host, Tracer trace)
    {
        // The receive loop reuses its buffer and its address for the next datagram: this one is copied.
        byte[] datagram = request.ToArray();
        var remote = new IPEndPoint(source.ToIPAddress(), source.Port);
        _ = RunAsync(runner, datagram, remote, source, maxReply, socket, policy, host, trace);
    }

    private static async Task RunAsync(ExecRunner runner, byte[] datagram, IPEndPoint remote, SourceAddress source, int maxReply, Socket socket, UdpSourcePolicy policy, HostContext host, Tracer trace)
    {
        long started = host.Clock.GetTimestamp();
        string outcome = "served";
        int? pid = null;
        string? exitText = null;
        int replied = 0;
        try
        {
            (Socket ours, Microsoft.Win32.SafeHandles.SafeFileHandle theirs) = SocketPair.Create();
            using (ours)
            {
                ChildProcess child;
                try
                {
                    child = runner.Start(Transport.Udp, remote, (IPEndPoint)socket.LocalEndPoint!, (int)theirs.DangerousGetHandle(), trace);
                }
                catch (ExecFailedException e)
                {
                    runner.Unreserve();
                    host.ErrorLog.Log(LogLevel.Error, $"{runner.Service}/udp: {e.Message}");
                    outcome = "error";
                    return;
                }
                finally
                {
                    // The child has its copies; ours would hold its stdin open past our EOF.
                    theirs.Dispose();
                }
                pid = child.Pid;
                bool timedOut = false;
                using ITimer? timeout = runner.StartTimeout(child, () => timedOut = true);
                using CancellationTokenRegistration stopping = host.Stopping.Register(child.Terminate);
                byte[] reply = GC.AllocateUninitializedArray<byte>(MaxReply);
                Task<(int Length, long Total)> output = ReadOutputAsync(ours, reply);
                await WriteInputAsync(ours, datagram);
                (int length, long total) = await output;
                ChildExit exit = await child.Exited;
                exitText = exit.Brief;
                if (timedOut)
                {
                    outcome = "timeout";
                }
                replied = Reply(runner, reply.AsMemory(0, length), total, remote, source, maxReply, socket, policy, host, trace);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            outcome = "error";
            host.ErrorLog.Log(LogLevel.Debug, $"{runner.Service}/udp: {remote}: {e.Message}");
        }
        finally
        {
            host.Once.Served();
            host.Options.ConnectionLog?.Invoke(new ConnectionLogEntry
            {
                Time = host.Clock.GetUtcNow(),
                Service = runner.Service,
                Transport = Transport.Udp,
                Client = remote,
                Outcome = outcome,
                Duration = host.Clock.GetElapsedTime(started),
                BytesIn = datagram.Length,
                BytesOut = replied,
                Pid = pid,
                Exit = exitText,
            });
        }
    }

    private static async Task WriteInputAsync(Socket ours, byte[] datagram)
    {
        try
        {
            if (datagram.Length > 0)
            {
                await ours.SendAsync(datagram, SocketFlags.None);
            }
            ours.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The program exited without reading its stdin: what it wrote is still its answer.
        }
    }

    /// <summary>Reads stdout to its end: the first <see cref="MaxReply"/> bytes kept, the rest read and dropped so the program is never stuck writing.</summary>
    private static async Task<(int Length, long Total)> ReadOutputAsync(Socket ours, byte[] reply)
    {
        int kept = 0;
        long total = 0;
        byte[]? spill = null;
        while (true)
        {
            Memory<byte> room = kept < reply.Length ? reply.AsMemory(kept) : (spill ??= new byte[16_384]);
            int read;
            try
            {
                read = await ours.ReceiveAsync(room, SocketFlags.None);
            }
            catch (SocketException)
            {
                break;
            }
            if (read == 0)
            {
                break;
            }
            total += read;
            if (kept < reply.Length)
            {
                kept += read;
            }
        }
        return (kept, total);
    }

    private static int Reply(ExecRunner runner, ReadOnlyMemory<byte> reply, long total, IPEndPoint remote, SourceAddress source, int maxReply, Socket socket, UdpSourcePolicy policy, HostContext host, Tracer trace)
    {
        if (reply.Length == 0)
        {
            if (trace.Enabled)
            {
                trace.Call("(the program wrote nothing: no reply)");
            }
            return 0;
        }
        if (reply.Length > maxReply)
        {
            runner.Metrics.DroppedAsAmplifier();
            if (trace.Enabled)
            {
                trace.Call($"(no reply: the program's {reply.Length}-byte answer would be longer than the request, toward a source beyond loopback)");
            }
            return 0;
        }
        if (total > reply.Length && trace.Enabled)
        {
            trace.Call($"(the program wrote {total:N0} bytes: cut at {MaxReply:N0}, the largest datagram)");
        }
        if (trace.Enabled)
        {
            trace.Call("sendto", $"{reply.Length} bytes, {source}", data: reply.Span, peer: remote, local: socket.LocalEndPoint);
        }
        try
        {
            socket.SendTo(reply.Span, SocketFlags.None, remote);
            policy.Replied(source, reply.Span);
            host.Counters.Answered();
            runner.Metrics.Answered(reply.Length);
            return reply.Length;
        }
        catch (SocketException e)
        {
            host.ErrorLog.Log(LogLevel.Debug, $"{runner.Service}/udp: sendto {remote} failed: {e.Message}");
            return 0;
        }
    }
}
