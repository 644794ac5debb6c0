using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Inetkit.Hosting.Internal.Linux;
using Inetkit.Interop.Linux;
using Inetkit.Services;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal;

// The accept loop on Linux of the services served without a stream: the reply services, echo and discard.
internal sealed partial class TcpAcceptLoop
{
    private const int AddressRoom = 128; // sizeof(struct sockaddr_storage)
    private const int DropRoom = 4096;

    /// <summary>
    /// Accepts on the bare descriptor, for the services served without a stream. A reply service's exchange: accept4 (non-blocking from the start), send, recv,
    /// shutdown, close, with the reply and the FIN in one segment, and no .NET Socket unless the connection needs
    /// waiting (<see cref="ReplyConnection.Continue"/>). Making a Socket, switching it to non-blocking (two fcntl
    /// calls) and disposing of it cost 29-35 µs of server CPU an exchange where the C reference, which sends the
    /// reply and the FIN apart, takes 20-28; this takes 22-26 (issue #11, docs/benchmarks.md). With --trace the
    /// portable loop runs instead, which narrates every call. Compiled fully optimized at once: the loop never
    /// returns, so tiered compilation would run it unoptimized until on-stack replacement, through a fresh
    /// server's first second of load.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void RunBare(EpollStreams? streams)
    {
        byte* address = stackalloc byte[AddressRoom];
        byte* dropped = stackalloc byte[DropRoom];
        while (!host.Stopping.IsCancellationRequested)
        {
            int length = AddressRoom;
            int fd;
            try
            {
                fd = LibC.Accept4(listener.SafeHandle, address, &length, LibC.SockNonBlock | LibC.SockCloExec);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                // Closing the listener wakes the call with EINVAL (.NET shuts a listener down to close it) or EBADF.
                if (host.Stopping.IsCancellationRequested || errno is LibC.EInval or LibC.EBadF)
                {
                    break;
                }
                if (errno is LibC.EMFile or LibC.ENFile or LibC.ENoBufs or LibC.ENoMem)
                {
                    if (!PauseForDescriptors(Marshal.GetPInvokeErrorMessage(errno)))
                    {
                        break;
                    }
                }
                else
                {
                    host.ErrorLog.Log(LogLevel.Debug, $"{_where}: accept failed: {Marshal.GetPInvokeErrorMessage(errno)}");
                }
                continue;
            }
            if (ReadAddress(address) is not var (ip, port))
            {
                LibC.Close(fd);
                continue;
            }
            if (TryAdmit(ip, port) is not null)
            {
                // A refused client learns at once (RST) instead of waiting on a connection nobody serves.
                LibC.ResetAndClose(fd);
                continue;
            }
            Serve(fd, ip, port, streams, dropped);
        }
    }

    /// <summary>
    /// An admitted client, by what its service needs now: a reload may have asked for stream impairments or a
    /// connection log since the loop began, and those need the stream path.
    /// </summary>
    private unsafe void Serve(int fd, IPAddress ip, int port, EpollStreams? streams, byte* dropped)
    {
        long id = NextId();
        IInetService service = runtime.Service!;
        if (Direct && service is ITcpReplyService replies)
        {
            Exchange(fd, ip, port, id, replies, dropped);
        }
        else if (Direct && streams is not null && service is ITcpInputService input)
        {
            EpollStreamConnection.Start(fd, ip, id, input.EchoesInput, runtime, host, streams);
        }
        else
        {
            Hand(fd, ip, port, id, (ITcpService)service);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void Exchange(int fd, IPAddress ip, int port, long id, ITcpReplyService replies, byte* dropped)
    {
        if (!replies.TryWriteReply(_reply, out int length))
        {
            // A reply longer than the buffer: the service's own stream path writes it.
            Hand(fd, ip, port, id, (ITcpService)runtime.Service!);
            return;
        }
        nint sent;
        fixed (byte* reply = _reply)
        {
            // MSG_MORE holds the reply back until the shutdown below, which sends it and the FIN as one segment.
            sent = LibC.Send(fd, reply, length, LibC.MsgNoSignal | LibC.MsgMore);
        }
        if (sent < 0 && Marshal.GetLastPInvokeError() != LibC.EAgain)
        {
            LibC.Close(fd);
            ReplyConnection.Finished(ip, runtime, host, trace, "(the client went away)", 0, 0);
            return;
        }
        int done = (int)Math.Max(sent, 0);
        long input = 0;
        if (done < length || !IPAddress.IsLoopback(ip) || !DropInput(fd, dropped, out input))
        {
            runtime.Metrics.TcpBytes(input, done);
            ReplyConnection.Continue(Wrap(fd), new IPEndPoint(ip, port), _reply.AsSpan(done, length - done), runtime, host, trace.For($"{Name} #{id}"), id);
            return;
        }
        // The FIN goes with the reply, before the close: input that arrives after it draws a reset only behind both.
        _ = LibC.Shutdown(fd, LibC.ShutWr);
        LibC.Close(fd);
        ReplyConnection.Finished(ip, runtime, host, trace, null, input, done);
    }

    private void Hand(int fd, IPAddress ip, int port, long id, ITcpService handler)
    {
        Socket client = Wrap(fd);
        client.NoDelay = true;
        _ = new TcpConnection(client, new IPEndPoint(ip, port), handler, runtime, host, trace.For($"{Name} #{id}"), id).RunAsync();
    }

    private static Socket Wrap(int fd) => new(new SafeSocketHandle(fd, ownsHandle: true));

    /// <summary>Reads and drops what the client has sent (<paramref name="total"/> bytes); false if it is still sending (as <see cref="ReplyConnection"/>).</summary>
    private static unsafe bool DropInput(int fd, byte* dropped, out long total)
    {
        total = 0;
        for (int reads = 0; reads < ReplyConnection.MaxDropReads; reads++)
        {
            nint read = LibC.Recv(fd, dropped, DropRoom, LibC.MsgDontWait);
            // Would block, the client's FIN, or its reset: nothing is left unread.
            if (read <= 0)
            {
                return true;
            }
            total += read;
        }
        return false;
    }

    /// <summary>The peer's address from a struct sockaddr_in or sockaddr_in6; null for any other family.</summary>
    private static unsafe (IPAddress Address, int Port)? ReadAddress(byte* address)
    {
        ushort family = *(ushort*)address;
        int port = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(address + 2, 2));
        return family switch
        {
            LibC.AfInet => (new IPAddress(new ReadOnlySpan<byte>(address + 4, 4)), port),
            LibC.AfInet6 => (new IPAddress(new ReadOnlySpan<byte>(address + 8, 16), *(uint*)(address + 24)), port),
            _ => null,
        };
    }
}
