using Inetkit.Protocol;
using System.Net;
using System.Net.Sockets;
using Inetkit.Services;
using Inetkit.Tracing;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// A connection to a reply service (qotd, daytime, time), served by the thread that accepted it: the reply is
/// sent, what the client sent is read and dropped, and the connection is closed, with no stream, task or wait. That
/// is accept, send, recv, close where a stream took nine system calls, an epoll registration and a wake-up for the
/// client's FIN (issue #11: 0.75 of the C reference's transactions/s before, docs/benchmarks.md after).
/// </summary>
/// <remarks>
/// Why closing at once is safe here and not everywhere: input left unread would turn close() into a reset, so it
/// is read first; a client's input that arrives after the close draws a reset as well, and that reset follows our
/// reply and FIN. A loopback client shares this TCP stack, which keeps what it received before a reset readable,
/// and then reports the FIN. A client beyond loopback may run a stack that discards it (Windows does), so it gets
/// the lingering close of every other connection (<see cref="TcpConnection"/>), as does anything that would wait:
/// a reply the socket cannot take whole, or a client still sending.
/// </remarks>
internal static class ReplyConnection
{
    /// <summary>Room for any reply served this way: a quote is at most 512 bytes, a daytime line at most 502.</summary>
    internal const int BufferSize = 1024;

    /// <summary>A client still sending after this many reads is streaming at us: it gets the lingering close, whose wait is bounded.</summary>
    internal const int MaxDropReads = 16;

    // What clients send is read into this and dropped: every connection may share it, since nobody reads it back.
    private static readonly byte[] Dropped = new byte[4096];

    public static void Serve(Socket client, IPEndPoint remote, ReadOnlySpan<byte> reply, ServiceRuntime runtime, HostContext host, Tracer trace, long id)
    {
        // Non-blocking, so that no client can hold the accepting thread.
        client.Blocking = false;
        if (trace.Enabled)
        {
            // Told before the call: the client's receive of the reply must never come first in a diagram.
            trace.Call("sendall", $"{reply.Length} bytes", data: reply, peer: remote, to: TraceTo.Events);
        }
        int sent = client.Send(reply, SocketFlags.None, out SocketError error);
        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            if (trace.Enabled)
            {
                trace.Call("close", "", comment: "(the client went away)", to: TraceTo.Events);
            }
            client.Dispose();
            Finished(remote.Address, runtime, host, trace, "(the client went away)", 0, 0);
            return;
        }
        if (trace.Enabled && sent > 0)
        {
            if (sent == reply.Length)
            {
                trace.Call("sendall", $"{sent} bytes", data: reply, peer: remote, to: TraceTo.Text);
            }
            else
            {
                trace.Call("send", $"{reply.Length} bytes", $"{sent} bytes", reply[..sent], remote);
            }
        }
        long dropped = 0;
        if (sent < reply.Length || !IPAddress.IsLoopback(remote.Address) || !DropInput(client, out dropped))
        {
            runtime.Metrics.TcpBytes(dropped, sent);
            Continue(client, remote, reply[sent..], runtime, host, trace, id);
            return;
        }
        if (trace.Enabled)
        {
            trace.Call("close", "", to: TraceTo.Events);
        }
        client.Dispose();
        Finished(remote.Address, runtime, host, trace, null, dropped, sent);
    }

    /// <summary>
    /// Hands the connection to the stream machinery when something needs waiting: the rest of the reply, the
    /// lingering close, or a client still sending.
    /// </summary>
    internal static void Continue(Socket client, IPEndPoint remote, ReadOnlySpan<byte> rest, ServiceRuntime runtime, HostContext host, Tracer trace, long id)
    {
        client.NoDelay = true;
        _ = new TcpConnection(client, remote, new RestOfReply(rest.ToArray()), runtime, host, trace, id).RunAsync();
    }

    /// <summary>After the close: the slot, the counters, the narration and --once.</summary>
    /// <param name="address">The client's address.</param>
    /// <param name="runtime">The service.</param>
    /// <param name="host">The server.</param>
    /// <param name="trace">The connection's narration.</param>
    /// <param name="ending">Null when served, else why not (the client went away).</param>
    /// <param name="bytesIn">What the client sent, read and dropped.</param>
    /// <param name="bytesOut">The reply's bytes sent.</param>
    internal static void Finished(IPAddress address, ServiceRuntime runtime, HostContext host, Tracer trace, string? ending, long bytesIn, long bytesOut)
    {
        host.Tracker.Unadmit(address, runtime.Caps);
        host.Counters.Opened();
        host.Counters.Closed();
        // Never counted open: nothing could have seen it between the accept and the close on this one thread.
        runtime.Metrics.Ended(ending is null ? ConnectionOutcome.Served : ConnectionOutcome.Reset, bytesIn, bytesOut);
        // Narrated after the release, so that a reader who sees close() knows the slot is free again.
        if (trace.Enabled)
        {
            trace.Call("close", "", comment: ending, to: TraceTo.Text);
        }
        host.Once.Served();
    }

    /// <summary>Reads and drops what the client has sent (<paramref name="total"/> bytes); false if it is still sending.</summary>
    private static bool DropInput(Socket client, out long total)
    {
        total = 0;
        for (int reads = 0; reads < MaxDropReads; reads++)
        {
            int read = client.Receive(Dropped, SocketFlags.None, out SocketError error);
            if (error != SocketError.Success || read == 0)
            {
                // Nothing more for now (would block), the client's FIN, or its reset: nothing is left unread.
                return true;
            }
            total += read;
        }
        return false;
    }

    /// <summary>What is left to send when the socket could not take the whole reply at once.</summary>
    private sealed class RestOfReply(byte[] rest) : ITcpService
    {
        public async ValueTask HandleAsync(Stream connection, CancellationToken cancellationToken)
        {
            if (rest.Length > 0)
            {
                await connection.WriteAsync(rest, cancellationToken);
            }
        }
    }
}
