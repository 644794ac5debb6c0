using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Inetkit.Interop.Linux;

/// <summary>
/// A batch of datagram slots for recvmmsg and sendmmsg: each slot holds a whole datagram (65,535 bytes, the
/// largest UDP payload over either IP version) and a socket address. The slots live in one native block that
/// is mapped lazily, so a batch costs the memory of the datagrams it has actually held, not its capacity.
/// One thread uses a batch at a time.
/// </summary>
internal sealed unsafe class DatagramBatch : IDisposable
{
    public const int SlotSize = 65535;

    // sockaddr_storage's size: room for any family's address.
    private const int NameSize = 128;

    private readonly int _capacity;
    private readonly byte* _payloads;
    private readonly byte* _names;
    private readonly LibC.IoVec* _vectors;
    private readonly LibC.MMsgHdr* _messages;
    private int _count;
    private bool _disposed;

    public DatagramBatch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        // Above glibc's mmap threshold: fresh zero pages, backed only when first written.
        _payloads = (byte*)NativeMemory.Alloc((nuint)capacity * SlotSize);
        _names = (byte*)NativeMemory.AllocZeroed((nuint)capacity * NameSize);
        _vectors = (LibC.IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(LibC.IoVec)));
        _messages = (LibC.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(LibC.MMsgHdr)));
    }

    /// <summary>True where batches work: Linux on x86-64 or arm64 (the structure layouts declared here), unless INETKIT_PORTABLE_UDP=1 asks for the portable path.</summary>
    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64
        && Environment.GetEnvironmentVariable("INETKIT_PORTABLE_UDP") != "1";

    /// <summary>How many slots the batch has.</summary>
    public int Capacity => _capacity;

    /// <summary>The datagrams the last <see cref="Receive"/> filled, or the slots <see cref="Add"/> has filled since the last <see cref="Send"/>.</summary>
    public int Count => _count;

    /// <summary>
    /// Waits for at least one datagram and takes every one already queued, up to <see cref="Capacity"/>: the count
    /// (0 when the socket was shut down, which is how its owner stops the receiver).
    /// </summary>
    /// <exception cref="SocketException">The receive failed (about one datagram, as an ICMP error, never about the socket).</exception>
    /// <param name="socket">The socket.</param>
    /// <param name="wait">False: take what is queued and return 0 at once when nothing is (for a caller woken by epoll).</param>
    public int Receive(Socket socket, bool wait = true)
    {
        for (int i = 0; i < _capacity; i++)
        {
            Prepare(i, SlotSize);
        }
        while (true)
        {
            int received = LibC.RecvMmsg(socket.SafeHandle, _messages, (uint)_capacity, wait ? LibC.MsgWaitForOne : LibC.MsgDontWait, null);
            if (received >= 0)
            {
                // A shut-down socket "receives" an empty message with no source: the end, not a datagram.
                int count = 0;
                while (count < received && _messages[count].Header.NameLength != 0)
                {
                    count++;
                }
                _count = count;
                return count;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EIntr)
            {
                continue;
            }
            if (errno == LibC.EAgain)
            {
                if (!wait)
                {
                    _count = 0;
                    return 0;
                }
                // .NET has made the descriptor non-blocking (an asynchronous call on it once did): wait as it would.
                socket.Poll(-1, SelectMode.SelectRead);
                continue;
            }
            _count = 0;
            throw new SocketException((int)ToSocketError(errno));
        }
    }

    /// <summary>Slot <paramref name="index"/>'s datagram, as received.</summary>
    public Span<byte> Payload(int index) => new(Slot(index), (int)_messages[index].Length);

    /// <summary>Copies slot <paramref name="index"/>'s source address into <paramref name="address"/> (its family's).</summary>
    public void CopyAddress(int index, SocketAddress address)
    {
        int length = (int)Math.Min(_messages[index].Header.NameLength, (uint)address.Buffer.Length);
        new ReadOnlySpan<byte>(_names + (index * NameSize), length).CopyTo(address.Buffer.Span);
        address.Size = length;
    }

    /// <summary>The slot the next <see cref="Add"/> sends from, all of it, to write a datagram into; empty when the batch is full.</summary>
    public Span<byte> Next => _count < _capacity ? new Span<byte>(Slot(_count), SlotSize) : [];

    /// <summary>Queues the first <paramref name="length"/> bytes written into <see cref="Next"/>, for <paramref name="destination"/>.</summary>
    public void Add(int length, SocketAddress destination)
    {
        int index = _count++;
        ReadOnlySpan<byte> name = destination.Buffer.Span[..destination.Size];
        name.CopyTo(new Span<byte>(_names + (index * NameSize), NameSize));
        Prepare(index, length);
        _messages[index].Header.NameLength = (uint)name.Length;
    }

    /// <summary>
    /// Sends what <see cref="Add"/> queued, as many per call as the kernel takes, and empties the batch. Reports each
    /// datagram's fate, in order: <paramref name="sent"/> for those that went, <paramref name="failed"/> with the error
    /// for one that could not (the rest are still tried).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The socket was closed; the batch is emptied all the same.</exception>
    public void Send(Socket socket, Action<int> sent, Action<int, SocketError> failed)
    {
        int next = 0;
        int count = _count;
        _count = 0;
        while (next < count)
        {
            int done = LibC.SendMmsg(socket.SafeHandle, _messages + next, (uint)(count - next), 0);
            if (done > 0)
            {
                for (int i = 0; i < done; i++)
                {
                    sent(next + i);
                }
                next += done;
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EIntr)
            {
                continue;
            }
            if (errno == LibC.EAgain)
            {
                socket.Poll(-1, SelectMode.SelectWrite);
                continue;
            }
            failed(next, ToSocketError(errno));
            next++;
        }
    }

    // SocketException takes .NET's SocketError, not an errno: the errors a datagram can meet.
    private static SocketError ToSocketError(int errno) => errno switch
    {
        LibC.EConnRefused => SocketError.ConnectionRefused,
        LibC.EMsgSize => SocketError.MessageSize,
        LibC.ENoBufs => SocketError.NoBufferSpaceAvailable,
        LibC.EHostUnreach => SocketError.HostUnreachable,
        LibC.ENetUnreach => SocketError.NetworkUnreachable,
        LibC.ENetDown => SocketError.NetworkDown,
        LibC.EAcces or LibC.EPerm => SocketError.AccessDenied,
        LibC.EInval => SocketError.InvalidArgument,
        LibC.EAddrNotAvail => SocketError.AddressNotAvailable,
        _ => SocketError.SocketError,
    };

    /// <summary>Forgets what <see cref="Add"/> queued, unsent.</summary>
    public void Clear() => _count = 0;

    /// <summary>Slot <paramref name="index"/>'s queued datagram.</summary>
    public ReadOnlySpan<byte> Queued(int index) => new(Slot(index), (int)_vectors[index].Length);

    private byte* Slot(int index) => _payloads + ((nint)index * SlotSize);

    private void Prepare(int index, int length)
    {
        _vectors[index].Base = Slot(index);
        _vectors[index].Length = (nuint)length;
        ref LibC.MsgHdr header = ref _messages[index].Header;
        header = default;
        header.Name = _names + (index * NameSize);
        header.NameLength = NameSize;
        header.Iov = &_vectors[index];
        header.IovLength = 1;
        _messages[index].Length = 0;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        NativeMemory.Free(_payloads);
        NativeMemory.Free(_names);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_messages);
    }
}
