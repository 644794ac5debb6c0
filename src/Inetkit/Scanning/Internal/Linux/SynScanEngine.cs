using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Inetkit.Interop.Linux;
using Inetkit.Protocol;

namespace Inetkit.Scanning.Internal.Linux;

/// <summary>
/// The SYN scan (nmap -sS) on Linux: SYNs written by hand to a raw socket, replies read from raw TCP, ICMP and ICMPv6
/// sockets, one thread. SYN/ACK is open (the kernel, which has no connection for it, answers with the RST that
/// closes it, as with nmap), RST closed, an ICMP unreachable filtered, silence after the retries filtered. Every probe
/// leaves from one source port, held by a bound TCP socket so that no connection of this machine takes it, and
/// carries a <see cref="SynCookie"/> as its sequence number: a reply counts only if it acknowledges that cookie.
/// The per-packet methods are compiled optimized at once: a scan runs them tens of thousands of times in well under
/// a second, before tiered compilation would have replaced their first, unoptimized code.
/// </summary>
internal sealed unsafe class SynScanEngine
{
    private const int Batch = 64;
    private const int PacketSize = 2048;
    private const int ReceiveBuffer = 8 << 20;

    private readonly ScanRun _run;
    private readonly ScanOptions _options;
    private readonly TimeProvider _time;
    private readonly Slot[] _slots;
    private readonly SynCookie _cookie = new();
    private readonly Dictionary<UInt128, int> _hostByAddress = [];
    private readonly Dictionary<int, UInt128?> _sourceByHost = [];
    private readonly Dictionary<long, int> _pending = [];
    private readonly long _timeoutTicks;
    private readonly long _retryTicks;
    private readonly int _engines;
    private int _sourcePort;
    private int _active;
    private bool _exhausted;

    private SynScanEngine(ScanRun run, ScanOptions options, TimeProvider time, int engines)
    {
        _engines = engines;
        _run = run;
        _options = options;
        _time = time;
        _slots = new Slot[(int)Math.Min(options.Concurrency, Math.Max(1, run.Plan.Positions))];
        for (int i = 0; i < run.Plan.Hosts.Count; i++)
        {
            _hostByAddress.TryAdd(Key(run.Plan.Hosts[i].Address), i);
        }
        _timeoutTicks = (long)(options.Timeout.TotalSeconds * time.TimestampFrequency);
        _retryTicks = time.TimestampFrequency / 1000;
    }

    /// <summary>True where this engine can run: Linux.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>
    /// Throws <see cref="RawSocketPermissionException"/> unless this process may open a raw socket (root or
    /// CAP_NET_RAW); opens one and closes it, sending nothing.
    /// </summary>
    public static void CheckPrivilege()
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("-sS (SYN scan) runs on Linux only; -sT, the connect scan, runs everywhere");
        }
        LibC.Close(OpenRaw(LibC.AfInet, LibC.IpProtoTcp));
    }

    /// <summary>
    /// Runs every TCP probe of <paramref name="run"/> on threads of their own: one per CPU (up to 4) for a large scan,
    /// each with its own sockets, source port and share of the concurrency, all taking probes from the one run. Most
    /// of a SYN scan's time is the kernel's (on loopback it answers each probe inside the sendto() that sent it), and
    /// threads are how that work spreads over the CPUs.
    /// </summary>
    public static Task RunAsync(ScanRun run, ScanOptions options, TimeProvider time)
    {
        int engines = (int)Math.Clamp(Math.Min(Environment.ProcessorCount, run.Plan.Positions / ProbesPerEngine), 1, 4);
        engines = Math.Min(engines, options.Concurrency);
        ScanOptions share = options with { Concurrency = (options.Concurrency + engines - 1) / engines };
        return Task.WhenAll(Enumerable.Range(0, engines).Select(_ =>
            Task.Factory.StartNew(() => new SynScanEngine(run, share, time, engines).Run(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
    }

    // Below this many probes per thread, another thread's sockets cost more than its share of the work saves.
    private const long ProbesPerEngine = 4096;

    private enum SlotState : byte
    {
        Free,
        Waiting,
        Sent,
    }

    // What each receiving socket is, as its epoll data says.
    private enum Receiver
    {
        Tcp4,
        Tcp6,
        Icmp4,
        Icmp6,
    }

    private void Run()
    {
        bool v4 = _run.Plan.Hosts.Any(h => !IsV6(h.Address)), v6 = _run.Plan.Hosts.Any(h => IsV6(h.Address));
        using Socket reservation = ReserveSourcePort(v6);
        _sourcePort = ((IPEndPoint)reservation.LocalEndPoint!).Port;
        int raw4 = -1, raw6 = -1, icmp4 = -1, icmp6 = -1;
        int epoll = LibC.EpollCreate1(LibC.SockCloExec);
        if (epoll < 0)
        {
            throw new ScanResourceException($"epoll_create1 failed (errno {Marshal.GetLastPInvokeError()}): raise the descriptor limit (ulimit -n)");
        }
        byte* packets = (byte*)NativeMemory.Alloc(Batch * PacketSize);
        try
        {
            if (v4)
            {
                raw4 = Receive(epoll, OpenRaw(LibC.AfInet, LibC.IpProtoTcp), Receiver.Tcp4, ipv4Header: true);
                icmp4 = Receive(epoll, OpenRaw(LibC.AfInet, LibC.IpProtoIcmp), Receiver.Icmp4, ipv4Header: null);
            }
            if (v6)
            {
                raw6 = Receive(epoll, OpenRaw(LibC.AfInet6, LibC.IpProtoTcp), Receiver.Tcp6, ipv4Header: false);
                icmp6 = Receive(epoll, OpenRaw(LibC.AfInet6, LibC.IpProtoIcmpV6), Receiver.Icmp6, ipv4Header: null);
            }
            int[] receivers = [raw4, raw6, icmp4, icmp6];
            int stride = LibC.EpollEventSize, dataOffset = LibC.EpollDataOffset;
            byte* events = stackalloc byte[stride * 4];
            while (!_run.Cancellation.IsCancellationRequested)
            {
                long now = _time.GetTimestamp();
                long wake = Service(now, raw4, raw6);
                if (_active == 0 && _exhausted)
                {
                    return;
                }
                now = _time.GetTimestamp();
                int timeout = wake <= now ? 0 : wake == long.MaxValue ? 50 : (int)Math.Clamp((wake - now) * 1000 / _time.TimestampFrequency + 1, 0, 50);
                int ready = LibC.EpollWait(epoll, events, 4, timeout);
                if (ready < 0 && Marshal.GetLastPInvokeError() != LibC.EIntr)
                {
                    throw new ScanResourceException($"epoll_wait failed (errno {Marshal.GetLastPInvokeError()})");
                }
                for (int i = 0; i < ready; i++)
                {
                    var receiver = (Receiver)(*(long*)(events + (i * stride) + dataOffset));
                    Drain(receivers[(int)receiver], receiver, packets);
                }
            }
        }
        finally
        {
            NativeMemory.Free(packets);
            foreach (int fd in (int[])[raw4, raw6, icmp4, icmp6, epoll])
            {
                if (fd >= 0)
                {
                    LibC.Close(fd);
                }
            }
        }
    }

    /// <summary>One pass over the slots: take new probes into free ones, send those due, expire those late. Returns the next time something is due.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long Service(long now, int raw4, int raw6)
    {
        long wake = long.MaxValue;
        int allowed = (_run.AllowedLanes + _engines - 1) / _engines;
        for (int i = 0; i < _slots.Length; i++)
        {
            ref Slot slot = ref _slots[i];
            if (slot.State == SlotState.Free && !_exhausted && _active < allowed)
            {
                Take(i, now);
            }
            if (slot.State == SlotState.Waiting && slot.Due <= now)
            {
                Send(i, slot.Ipv6 ? raw6 : raw4, now);
            }
            if (slot.State == SlotState.Sent && slot.Deadline <= now)
            {
                Silent(i, now);
            }
            if (slot.State == SlotState.Waiting)
            {
                wake = Math.Min(wake, slot.Due);
            }
            else if (slot.State == SlotState.Sent)
            {
                wake = Math.Min(wake, slot.Deadline);
            }
        }
        return wake;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Take(int index, long now)
    {
        ref Slot slot = ref _slots[index];
        if (!_run.TryTake(Transport.Tcp, out Probe probe))
        {
            _exhausted = true;
            return;
        }
        _active++;
        slot.Probe = probe;
        slot.Attempt = 0;
        IPAddress address = _run.Plan.Hosts[probe.Host].Address;
        if (Source(probe.Host, address) is not { } source)
        {
            slot.State = SlotState.Waiting;
            Complete(index, PortState.Filtered, "net-unreach"); // no route: nothing can be sent there
            return;
        }
        slot.Ipv6 = IsV6(address);
        slot.Source = source;
        slot.Target = Key(address);
        slot.Cookie = _cookie.For(source, slot.Target, _sourcePort, probe.Port);
        slot.Due = _run.Pacer.Paces ? _run.Pacer.Reserve(probe.Host, false, now) : now;
        slot.State = SlotState.Waiting;
        _pending[PendingKey(probe.Host, probe.Port)] = index;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Send(int index, int fd, long now)
    {
        ref Slot slot = ref _slots[index];
        byte* segment = stackalloc byte[SynPackets.SynLength];
        SynPackets.WriteSyn(new Span<byte>(segment, SynPackets.SynLength), slot.Source, slot.Target, slot.Ipv6, _sourcePort, slot.Probe.Port, slot.Cookie);
        byte* sockaddr = stackalloc byte[28];
        int length = WriteSocketAddress(new Span<byte>(sockaddr, 28), slot.Target, slot.Ipv6);
        _run.CountProbe();
        if (LibC.SendTo(fd, segment, SynPackets.SynLength, 0, sockaddr, length) >= 0)
        {
            slot.State = SlotState.Sent;
            slot.Deadline = now + _timeoutTicks;
            return;
        }
        int errno = Marshal.GetLastPInvokeError();
        switch (errno)
        {
            case LibC.EAgain or LibC.ENoBufs or LibC.ENoMem or LibC.EIntr:
                // The send queue is full: the same probe a moment later, as the connect scan waits for a local port.
                _run.OnResourceShortage(_time);
                slot.Due = now + _retryTicks;
                break;
            case LibC.EHostUnreach or LibC.EHostDown:
                Complete(index, PortState.Filtered, "host-unreach");
                break;
            case LibC.ENetUnreach or LibC.ENetDown:
                Complete(index, PortState.Filtered, "net-unreach");
                break;
            case LibC.EAcces or LibC.EPerm:
                Complete(index, PortState.Filtered, "admin-prohibited");
                break;
            default:
                throw new ScanResourceException($"sendto() of a SYN to port {slot.Probe.Port} failed (errno {errno})");
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Complete(int index, PortState state, string reason)
    {
        ref Slot slot = ref _slots[index];
        _pending.Remove(PendingKey(slot.Probe.Host, slot.Probe.Port));
        ScanHost host = _run.Plan.Hosts[slot.Probe.Host];
        _run.Record(slot.Probe.Host, new PortResult(host.Address, Transport.Tcp, slot.Probe.Port, state, reason), _time.GetUtcNow());
        slot.State = SlotState.Free;
        _active--;
    }

    /// <summary>Reads every packet waiting on <paramref name="fd"/>, a batch per call, and takes the answers among them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Drain(int fd, Receiver receiver, byte* packets)
    {
        var messages = stackalloc LibC.MMsgHdr[Batch];
        var vectors = stackalloc LibC.IoVec[Batch];
        byte* names = stackalloc byte[Batch * 28];
        while (true)
        {
            for (int i = 0; i < Batch; i++)
            {
                vectors[i] = new LibC.IoVec { Base = packets + (i * PacketSize), Length = PacketSize };
                messages[i] = new LibC.MMsgHdr { Header = new LibC.MsgHdr { Name = names + (i * 28), NameLength = 28, Iov = &vectors[i], IovLength = 1 } };
            }
            int count = LibC.RecvMmsg(fd, messages, Batch, LibC.MsgDontWait, null);
            if (count <= 0)
            {
                return; // EAGAIN: drained
            }
            for (int i = 0; i < count; i++)
            {
                var packet = new ReadOnlySpan<byte>(packets + (i * PacketSize), (int)Math.Min(messages[i].Length, PacketSize));
                var from = new ReadOnlySpan<byte>(names + (i * 28), 28);
                switch (receiver)
                {
                    case Receiver.Tcp4:
                        OnTcp4(packet);
                        break;
                    case Receiver.Tcp6:
                        OnTcp(SynPackets.Key(from[8..24]), null, packet);
                        break;
                    case Receiver.Icmp4:
                        OnIcmp4(packet);
                        break;
                    default:
                        OnIcmp6(packet);
                        break;
                }
            }
            if (count < Batch)
            {
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OnTcp4(ReadOnlySpan<byte> packet)
    {
        // A raw IPv4 socket hands over the IP header too.
        if (packet.Length < 20 || packet[9] != LibC.IpProtoTcp)
        {
            return;
        }
        int header = (packet[0] & 0xf) * 4;
        if (packet.Length >= header)
        {
            OnTcp(SynPackets.Key(packet[12..16]), SynPackets.Key(packet[16..20]), packet[header..]);
        }
    }

    /// <summary>A TCP segment from <paramref name="from"/> to <paramref name="to"/> (null where the socket does not say): an answer if it acknowledges a probe's cookie.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OnTcp(UInt128 from, UInt128? to, ReadOnlySpan<byte> segment)
    {
        if (segment.Length < 20 || BinaryPrimitives.ReadUInt16BigEndian(segment[2..]) != _sourcePort)
        {
            return;
        }
        int port = BinaryPrimitives.ReadUInt16BigEndian(segment);
        byte flags = segment[13];
        uint ack = BinaryPrimitives.ReadUInt32BigEndian(segment[8..]);
        if ((flags & SynPackets.Ack) == 0 || Pending(from, to, port) is not { } index || ack != _slots[index].Cookie + 1)
        {
            return;
        }
        if ((flags & SynPackets.Rst) != 0)
        {
            Complete(index, PortState.Closed, "reset");
        }
        else if ((flags & SynPackets.Syn) != 0)
        {
            Complete(index, PortState.Open, "syn-ack");
        }
    }

    private void OnIcmp4(ReadOnlySpan<byte> packet)
    {
        int header = (packet.Length >= 20 ? packet[0] & 0xf : 0) * 4;
        ReadOnlySpan<byte> icmp = packet[Math.Min(header, packet.Length)..];
        // Destination unreachable (3) quoting our IP header and the first 8 bytes of our SYN.
        if (icmp.Length < 8 + 20 || icmp[0] != 3)
        {
            return;
        }
        ReadOnlySpan<byte> quoted = icmp[8..];
        int quotedHeader = (quoted[0] & 0xf) * 4;
        if (quoted[9] != LibC.IpProtoTcp || quoted.Length < quotedHeader + 8)
        {
            return;
        }
        string reason = icmp[1] switch
        {
            0 => "net-unreach",
            1 => "host-unreach",
            2 => "proto-unreach",
            3 => "port-unreach",
            9 => "net-prohibited",
            10 => "host-prohibited",
            13 => "admin-prohibited",
            _ => "",
        };
        OnQuoted(SynPackets.Key(quoted[12..16]), SynPackets.Key(quoted[16..20]), quoted[quotedHeader..], reason);
    }

    private void OnIcmp6(ReadOnlySpan<byte> icmp)
    {
        // Destination unreachable (1) quoting our IPv6 header (40 bytes, TCP next) and our SYN.
        if (icmp.Length < 8 + 40 + 8 || icmp[0] != 1 || icmp[8 + 6] != LibC.IpProtoTcp)
        {
            return;
        }
        ReadOnlySpan<byte> quoted = icmp[8..];
        string reason = icmp[1] switch
        {
            0 => "net-unreach",
            1 => "admin-prohibited",
            3 => "host-unreach",
            4 => "port-unreach",
            _ => "",
        };
        OnQuoted(SynPackets.Key(quoted[8..24]), SynPackets.Key(quoted[24..40]), quoted[40..], reason);
    }

    /// <summary>An ICMP error about a segment we sent: it counts if that segment was a probe, with its cookie.</summary>
    private void OnQuoted(UInt128 source, UInt128 target, ReadOnlySpan<byte> segment, string reason)
    {
        if (reason.Length == 0 || BinaryPrimitives.ReadUInt16BigEndian(segment) != _sourcePort)
        {
            return;
        }
        int port = BinaryPrimitives.ReadUInt16BigEndian(segment[2..]);
        if (Pending(target, source, port) is { } index && BinaryPrimitives.ReadUInt32BigEndian(segment[4..]) == _slots[index].Cookie)
        {
            Complete(index, PortState.Filtered, reason);
        }
    }

    /// <summary>The slot of the probe to <paramref name="target"/>:<paramref name="port"/>, if one is waiting and was sent from <paramref name="source"/>.</summary>
    private int? Pending(UInt128 target, UInt128? source, int port) =>
        _hostByAddress.TryGetValue(target, out int host) && _pending.TryGetValue(PendingKey(host, port), out int index)
        && _slots[index].State != SlotState.Free && (source is null || source == _slots[index].Source)
            ? index
            : null;

    /// <summary>The address the kernel sends from toward a host (a UDP socket connected there says; connect sends nothing), or null with no route.</summary>
    private UInt128? Source(int host, IPAddress address)
    {
        if (!_sourceByHost.TryGetValue(host, out UInt128? source))
        {
            using var probe = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                probe.Connect(new IPEndPoint(address, 9));
                source = Key(((IPEndPoint)probe.LocalEndPoint!).Address);
            }
            catch (SocketException)
            {
                source = null;
            }
            _sourceByHost[host] = source;
        }
        return source;
    }

    /// <summary>
    /// A TCP socket bound (not listening) to the port every probe leaves from: no connection of this machine can be
    /// given it while the scan runs, and a SYN/ACK to it finds no connection, so the kernel answers it with RST.
    /// </summary>
    private static Socket ReserveSourcePort(bool v6)
    {
        if (v6)
        {
            var dual = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
            dual.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
            return dual;
        }
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        return socket;
    }

    private static int OpenRaw(int family, int protocol)
    {
        int fd = LibC.Socket(family, LibC.SockRaw | LibC.SockNonBlock | LibC.SockCloExec, protocol);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno is LibC.EPerm or LibC.EAcces
                ? new RawSocketPermissionException()
                : new ScanResourceException($"cannot open a raw socket (errno {errno}): raise the descriptor limit (ulimit -n)");
        }
        return fd;
    }

    /// <summary>
    /// Sets up a receiving raw socket: a large buffer, and for TCP a filter that keeps only segments to our port
    /// (an IPv4 raw socket sees the IP header first, an IPv6 one the segment alone), so that the kernel does not
    /// copy every TCP packet of the machine, our own outgoing SYNs on loopback among them.
    /// </summary>
    private int Receive(int epoll, int fd, Receiver receiver, bool? ipv4Header)
    {
        int size = ReceiveBuffer;
        LibC.SetSockOpt(fd, LibC.SolSocket, LibC.SoRcvBufForce, &size, sizeof(int));
        if (ipv4Header is { } v4)
        {
            // BPF: [x = 4 * (ip[0] & 0xf)]; a = tcp[2] (destination port); accept if a == our port, else drop.
            LibC.SockFilter* program = stackalloc LibC.SockFilter[5];
            program[0] = new LibC.SockFilter(v4 ? (ushort)0xb1 : (ushort)0x01, 0, 0, 0); // ldxb 4*([0]&0xf) | ldx #0
            program[1] = new LibC.SockFilter(0x48, 0, 0, 2); // ldh [x + 2]
            program[2] = new LibC.SockFilter(0x15, 0, 1, (uint)_sourcePort); // jeq #port
            program[3] = new LibC.SockFilter(0x06, 0, 0, 0xffff); // ret: keep
            program[4] = new LibC.SockFilter(0x06, 0, 0, 0); // ret: drop
            var filter = new LibC.SockFprog { Length = 5, Filter = program };
            LibC.SetSockOpt(fd, LibC.SolSocket, LibC.SoAttachFilter, &filter, sizeof(LibC.SockFprog));
        }
        if (LibC.EpollAdd(epoll, fd, LibC.EpollIn, (long)receiver) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            LibC.Close(fd);
            throw new ScanResourceException($"epoll_ctl failed (errno {errno})");
        }
        return fd;
    }

    private static int WriteSocketAddress(Span<byte> sockaddr, UInt128 target, bool ipv6)
    {
        sockaddr.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(sockaddr, (ushort)(ipv6 ? LibC.AfInet6 : LibC.AfInet));
        // Port 0: a raw socket takes the port from the segment.
        SynPackets.Write(target, ipv6, ipv6 ? sockaddr[8..24] : sockaddr[4..8]);
        return ipv6 ? 28 : 16;
    }

    private static bool IsV6(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6;

    private static UInt128 Key(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).TryWriteBytes(bytes, out int written);
        return SynPackets.Key(bytes[..written]);
    }

    private static long PendingKey(int host, int port) => ((long)host << 16) | (uint)port;

    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public Probe Probe;
        public UInt128 Source;
        public UInt128 Target;
        public long Due;
        public long Deadline;
        public uint Cookie;
        public int Attempt;
        public SlotState State;
        public bool Ipv6;
    }
}
