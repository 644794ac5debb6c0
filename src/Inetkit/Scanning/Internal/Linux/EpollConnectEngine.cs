using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Inetkit.Interop.Linux;
using Inetkit.Protocol;

namespace Inetkit.Scanning.Internal.Linux;

/// <summary>
/// The TCP connect scan on Linux, as close to the kernel's own limit as a connect() scan gets: one thread, one epoll
/// set, and a socket per slot that is used again after every refusal. A failed connect leaves a Linux socket closed
/// and free to connect again once its result has been collected (by calling connect() once more), so a closed port
/// costs two system calls instead of socket, connect, epoll_ctl, getsockopt and close. Open ports and timeouts
/// close the socket (open ones with linger 0, so they leave no TIME_WAIT behind) and the slot takes a fresh one.
/// </summary>
internal sealed unsafe class EpollConnectEngine
{
    private const int AddressSize = 28;
    private const int BatchSize = 256;

    private readonly ScanRun _run;
    private readonly ScanOptions _options;
    private readonly TimeProvider _time;
    private readonly Slot[] _slots;
    private readonly long _timeoutTicks;
    private readonly long _shortageTicks;
    private readonly long _giveUpTicks;
    private int _epoll = -1;
    private int _active;
    private bool _exhausted;

    private EpollConnectEngine(ScanRun run, ScanOptions options, TimeProvider time)
    {
        _run = run;
        _options = options;
        _time = time;
        _slots = new Slot[(int)Math.Min(options.Concurrency, Math.Max(1, run.Plan.Positions))];
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i].Fd = -1;
        }
        _timeoutTicks = Ticks(options.Timeout);
        _shortageTicks = Ticks(TimeSpan.FromMilliseconds(20));
        _giveUpTicks = Ticks(TimeSpan.FromSeconds(30));
    }

    /// <summary>True where this engine can run: Linux on x86-64 or arm64 (the epoll_event layouts it knows).</summary>
    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64
        && Environment.GetEnvironmentVariable("INETKIT_PORTABLE_SCAN") != "1";

    /// <summary>Runs every TCP probe of <paramref name="run"/> on a thread of its own.</summary>
    public static Task RunAsync(ScanRun run, ScanOptions options, TimeProvider time) =>
        Task.Factory.StartNew(() => new EpollConnectEngine(run, options, time).Run(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private enum SlotState : byte
    {
        Free,
        Waiting,
        Connecting,
    }

    private void Run()
    {
        _epoll = LibC.EpollCreate1(LibC.SockCloExec);
        if (_epoll < 0)
        {
            throw new ScanResourceException($"epoll_create1 failed (errno {Marshal.GetLastPInvokeError()}): raise the descriptor limit (ulimit -n)");
        }
        int stride = LibC.EpollEventSize, dataOffset = LibC.EpollDataOffset;
        byte* events = stackalloc byte[stride * BatchSize];
        try
        {
            while (!_run.Cancellation.IsCancellationRequested)
            {
                long now = _time.GetTimestamp();
                long wake = Service(now);
                if (_active == 0 && _exhausted)
                {
                    return;
                }
                int timeout = wake == long.MaxValue ? 50 : (int)Math.Clamp((wake - now) * 1000 / _time.TimestampFrequency + 1, 0, 50);
                int ready = LibC.EpollWait(_epoll, events, BatchSize, timeout);
                if (ready < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EIntr)
                    {
                        continue;
                    }
                    throw new ScanResourceException($"epoll_wait failed (errno {errno})");
                }
                for (int i = 0; i < ready; i++)
                {
                    int slot = (int)*(ulong*)(events + (i * stride) + dataOffset);
                    if ((uint)slot < (uint)_slots.Length && _slots[slot].State == SlotState.Connecting)
                    {
                        Collect(slot);
                    }
                }
            }
        }
        finally
        {
            for (int i = 0; i < _slots.Length; i++)
            {
                CloseSlotSocket(ref _slots[i], abortive: true);
            }
            LibC.Close(_epoll);
        }
    }

    /// <summary>One pass over the slots: take new probes into free ones, start those due, expire those late. Returns the next time something is due.</summary>
    private long Service(long now)
    {
        long wake = long.MaxValue;
        int allowed = _run.AllowedLanes;
        for (int i = 0; i < _slots.Length; i++)
        {
            ref Slot slot = ref _slots[i];
            if (slot.State == SlotState.Free && !_exhausted && _active < allowed)
            {
                if (!_run.TryTake(out Probe probe))
                {
                    _exhausted = true;
                }
                else
                {
                    slot.Probe = probe;
                    slot.Attempt = 0;
                    slot.ShortSince = 0;
                    slot.Due = _run.Pacer.Paces ? _run.Pacer.Reserve(probe.Host, false, now) : now;
                    slot.State = SlotState.Waiting;
                    _active++;
                }
            }
            if (slot.State == SlotState.Waiting)
            {
                if (slot.Due <= now)
                {
                    Start(i, now);
                }
                else
                {
                    wake = Math.Min(wake, slot.Due);
                }
            }
            if (slot.State == SlotState.Connecting)
            {
                if (slot.Deadline <= now)
                {
                    // Silence: the SYN went unanswered. Abandon the attempt with the socket.
                    CloseSlotSocket(ref slot, abortive: true);
                    Silent(i, now);
                }
                else
                {
                    wake = Math.Min(wake, slot.Deadline);
                }
            }
            if (slot.State == SlotState.Waiting)
            {
                wake = Math.Min(wake, slot.Due);
            }
        }
        return wake;
    }

    private void Start(int index, long now)
    {
        ref Slot slot = ref _slots[index];
        IPAddress address = _run.Plan.Hosts[slot.Probe.Host].Address;
        int family = address.AddressFamily == AddressFamily.InterNetworkV6 ? LibC.AfInet6 : LibC.AfInet;
        int length = WriteSocketAddress(ref slot, address, slot.Probe.Port, family);
        if (slot.Fd >= 0 && slot.Family != family)
        {
            CloseSlotSocket(ref slot, abortive: false);
        }
        if (slot.Fd < 0 && !OpenSocket(ref slot, index, family))
        {
            Shortage(index, now);
            return;
        }
        _run.CountProbe();
        int result;
        fixed (byte* sockaddr = (Span<byte>)slot.Address)
        {
            result = LibC.Connect(slot.Fd, sockaddr, length);
        }
        int errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        if (errno == LibC.EInProgress)
        {
            slot.State = SlotState.Connecting;
            slot.Deadline = now + _timeoutTicks;
            return;
        }
        Finish(index, errno, now);
    }

    /// <summary>An event on a connecting socket: connect() again reports the outcome, and after a failure leaves the socket ready for the next port.</summary>
    private void Collect(int index)
    {
        ref Slot slot = ref _slots[index];
        int result;
        fixed (byte* sockaddr = (Span<byte>)slot.Address)
        {
            result = LibC.Connect(slot.Fd, sockaddr, slot.AddressLength);
        }
        int errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        if (errno is LibC.EAlready or LibC.EInProgress)
        {
            return; // Still in progress: the event was for an earlier state of this socket.
        }
        Finish(index, errno == 106 ? 0 : errno, _time.GetTimestamp()); // EISCONN: connected.
    }

    private void Finish(int index, int errno, long now)
    {
        ref Slot slot = ref _slots[index];
        switch (errno)
        {
            case 0:
                bool self = IsConnectedToItself(slot.Fd);
                CloseSlotSocket(ref slot, abortive: true);
                Complete(index, self ? PortState.Closed : PortState.Open, self ? "self-connect" : "syn-ack");
                break;
            case LibC.EConnRefused:
            case 103: // ECONNABORTED: the refusal, already read
                Complete(index, PortState.Closed, "conn-refused");
                break;
            case LibC.EAddrNotAvail or LibC.EAgain or LibC.EAddrInUse or LibC.ENoBufs:
                Shortage(index, now);
                break;
            case LibC.ETimedOut:
                CloseSlotSocket(ref slot, abortive: true);
                Silent(index, now);
                break;
            default:
                CloseSlotSocket(ref slot, abortive: true);
                Complete(index, PortState.Filtered, errno switch
                {
                    LibC.EHostUnreach or LibC.EHostDown => "host-unreach",
                    LibC.ENetUnreach or LibC.ENetDown => "net-unreach",
                    LibC.EAcces or LibC.EPerm => "admin-prohibited",
                    _ => $"errno-{errno}",
                });
                break;
        }
    }

    private void Silent(int index, long now)
    {
        ref Slot slot = ref _slots[index];
        if (slot.Attempt < _options.Retries)
        {
            slot.Attempt++;
            slot.State = SlotState.Waiting;
            slot.Due = _run.Pacer.Paces ? _run.Pacer.Reserve(slot.Probe.Host, false, now) : now;
            return;
        }
        Complete(index, PortState.Filtered, "no-response");
    }

    private void Shortage(int index, long now)
    {
        ref Slot slot = ref _slots[index];
        if (slot.ShortSince == 0)
        {
            slot.ShortSince = now;
        }
        else if (now - slot.ShortSince > _giveUpTicks)
        {
            throw new ScanResourceException($"no file descriptor or local port came free for 30 s while probing port {slot.Probe.Port}: raise the limit (ulimit -n) or lower --concurrency");
        }
        _run.OnResourceShortage(_time);
        slot.State = SlotState.Waiting;
        slot.Due = now + _shortageTicks;
    }

    private void Complete(int index, PortState state, string reason)
    {
        ref Slot slot = ref _slots[index];
        ScanHost host = _run.Plan.Hosts[slot.Probe.Host];
        _run.Record(slot.Probe.Host, new PortResult(host.Address, Transport.Tcp, slot.Probe.Port, state, reason), _time.GetUtcNow());
        slot.State = SlotState.Free;
        _active--;
    }

    private bool OpenSocket(ref Slot slot, int index, int family)
    {
        int fd = LibC.Socket(family, LibC.SockStream | LibC.SockNonBlock | LibC.SockCloExec, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno is LibC.EMFile or LibC.ENFile or LibC.ENoBufs
                ? false
                : throw new ScanResourceException($"socket() failed (errno {errno})");
        }
        if (LibC.EpollAdd(_epoll, fd, LibC.EpollOut | LibC.EpollErr | LibC.EpollHup | LibC.EpollEt, index) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            LibC.Close(fd);
            return errno is LibC.ENoBufs or 12 /* ENOMEM */ or 28 /* ENOSPC: max_user_watches */
                ? false
                : throw new ScanResourceException($"epoll_ctl failed (errno {errno})");
        }
        slot.Fd = fd;
        slot.Family = family;
        return true;
    }

    private static void CloseSlotSocket(ref Slot slot, bool abortive)
    {
        if (slot.Fd < 0)
        {
            return;
        }
        if (abortive)
        {
            // Linger 0: close sends RST, so a connected probe leaves no TIME_WAIT behind on either side.
            long linger = 1; // struct linger { int l_onoff = 1; int l_linger = 0; }
            LibC.SetSockOpt(slot.Fd, LibC.SolSocket, LibC.SoLinger, &linger, sizeof(long));
        }
        LibC.Close(slot.Fd);
        slot.Fd = -1;
    }

    /// <summary>TCP simultaneous open with itself: on loopback, a connect to a closed ephemeral port may be given that port as its source.</summary>
    private static bool IsConnectedToItself(int fd)
    {
        byte* local = stackalloc byte[AddressSize];
        byte* peer = stackalloc byte[AddressSize];
        int localLength = AddressSize, peerLength = AddressSize;
        return LibC.GetSockName(fd, local, &localLength) == 0 && LibC.GetPeerName(fd, peer, &peerLength) == 0
            && localLength == peerLength && new ReadOnlySpan<byte>(local, localLength).SequenceEqual(new ReadOnlySpan<byte>(peer, peerLength));
    }

    private static int WriteSocketAddress(ref Slot slot, IPAddress address, int port, int family)
    {
        Span<byte> sockaddr = slot.Address;
        sockaddr.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(sockaddr, (ushort)family);
        BinaryPrimitives.WriteUInt16BigEndian(sockaddr[2..], (ushort)port);
        if (family == LibC.AfInet)
        {
            address.TryWriteBytes(sockaddr[4..8], out _);
            slot.AddressLength = 16;
        }
        else
        {
            address.TryWriteBytes(sockaddr[8..24], out _);
            BinaryPrimitives.WriteUInt32LittleEndian(sockaddr[24..], (uint)address.ScopeId);
            slot.AddressLength = 28;
        }
        return slot.AddressLength;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public int Fd;
        public int Family;
        public Probe Probe;
        public int Attempt;
        public long Deadline;
        public long Due;
        public long ShortSince;
        public SlotState State;
        public int AddressLength;
        public AddressBuffer Address;
    }

    [System.Runtime.CompilerServices.InlineArray(AddressSize)]
    private struct AddressBuffer
    {
        private byte _element;
    }
}
