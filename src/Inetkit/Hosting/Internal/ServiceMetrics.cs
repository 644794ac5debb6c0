using System.Collections.Concurrent;
using Inetkit.Protocol;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// One service's counts, for <see cref="ServerMetrics"/>' instruments to read when a scrape asks: plain interlocked
/// counters, so that counting on the listener loops costs what the server's own <see cref="Counters"/> cost (a few
/// nanoseconds) whether anybody listens or not. A <c>Counter.Add</c> with tags cost 70-160 ns under an
/// OpenTelemetry listener (measured here: it looks the tag set up on every call), and four of them per datagram took a
/// measurable part of the UDP receive thread (docs/benchmarks.md).
/// </summary>
internal sealed class ServiceMetrics
{
    private static readonly int Reasons = Enum.GetValues<RefusalReason>().Length;
    private static readonly int Outcomes = Enum.GetValues<ConnectionOutcome>().Length;

    /// <summary>The drop <c>reason</c> of a reply that would have made us an amplifier, after <see cref="UdpVerdict"/>'s.</summary>
    private static readonly int Amplification = Enum.GetValues<UdpVerdict>().Length;

    private readonly long[] _refused = new long[Reasons];
    private readonly long[] _closed = new long[Outcomes];
    private readonly long[] _dropped = new long[Amplification + 1];

    // Indexed by transport (TCP 0, UDP 1).
    private readonly long[] _bytesIn = new long[2];
    private readonly long[] _bytesOut = new long[2];
    private readonly long[] _execStarted = new long[2];
    private readonly long[] _execRunning = new long[2];
    private readonly long[] _execFailed = new long[2];
    private readonly ConcurrentDictionary<(Transport Transport, string Signal), long> _execKilled = new();
    private long _accepted;
    private long _open;
    private long _received;
    private long _answered;
    private int _serves;

    public ServiceMetrics(string service, bool program)
    {
        Service = service;
        Program = program;
    }

    public string Service { get; }

    /// <summary>A program service: it has exec series.</summary>
    public bool Program { get; }

    /// <summary>The transports it has listened on: their series are reported from zero, so that rate() sees the first event.</summary>
    public Transport Serves => (Transport)Volatile.Read(ref _serves);

    public void Listening(Transport transport) => Interlocked.Or(ref _serves, (int)transport);

    public void Accepted() => Interlocked.Increment(ref _accepted);

    public void Refused(RefusalReason reason) => Interlocked.Increment(ref _refused[(int)reason]);

    public void Opened() => Interlocked.Increment(ref _open);

    /// <summary>A connection that was counted open has ended (its bytes reported apart, <see cref="TrackedConnection.ReportBytes"/>).</summary>
    public void Closed(ConnectionOutcome outcome)
    {
        Interlocked.Decrement(ref _open);
        Interlocked.Increment(ref _closed[(int)outcome]);
    }

    /// <summary>A connection served and closed on the thread that accepted it, never counted open (the reply fast paths).</summary>
    public void Ended(ConnectionOutcome outcome, long bytesIn, long bytesOut)
    {
        Interlocked.Increment(ref _closed[(int)outcome]);
        TcpBytes(bytesIn, bytesOut);
    }

    /// <summary>Bytes moved over TCP: a tracked connection's as it reports them, a fast path's at its close.</summary>
    public void TcpBytes(long bytesIn, long bytesOut)
    {
        if (bytesIn > 0)
        {
            Interlocked.Add(ref _bytesIn[0], bytesIn);
        }
        if (bytesOut > 0)
        {
            Interlocked.Add(ref _bytesOut[0], bytesOut);
        }
    }

    public void Received(int bytes)
    {
        Interlocked.Increment(ref _received);
        Interlocked.Add(ref _bytesIn[1], bytes);
    }

    public void Answered(int bytes)
    {
        Interlocked.Increment(ref _answered);
        Interlocked.Add(ref _bytesOut[1], bytes);
    }

    public void Dropped(UdpVerdict verdict) => Interlocked.Increment(ref _dropped[(int)verdict]);

    /// <summary>A reply not sent because it would have been longer than its request, toward a source beyond loopback.</summary>
    public void DroppedAsAmplifier() => Interlocked.Increment(ref _dropped[Amplification]);

    public void ExecStarted(Transport transport)
    {
        Interlocked.Increment(ref _execStarted[Index(transport)]);
        Interlocked.Increment(ref _execRunning[Index(transport)]);
    }

    public void ExecFailed(Transport transport) => Interlocked.Increment(ref _execFailed[Index(transport)]);

    /// <summary>A process reaped; <paramref name="signal"/> is the signal's name if one ended it.</summary>
    public void ExecEnded(Transport transport, string? signal)
    {
        Interlocked.Decrement(ref _execRunning[Index(transport)]);
        if (signal is not null)
        {
            _execKilled.AddOrUpdate((transport, signal), 1, (_, n) => n + 1);
        }
    }

    public long AcceptedCount => Interlocked.Read(ref _accepted);

    public long OpenCount => Interlocked.Read(ref _open);

    public long ReceivedCount => Interlocked.Read(ref _received);

    public long AnsweredCount => Interlocked.Read(ref _answered);

    public long RefusedCount(RefusalReason reason) => Interlocked.Read(ref _refused[(int)reason]);

    public long ClosedCount(ConnectionOutcome outcome) => Interlocked.Read(ref _closed[(int)outcome]);

    /// <summary>Dropped datagrams by reason index: <see cref="UdpVerdict"/>'s values, then amplification.</summary>
    public long DroppedCount(int reason) => Interlocked.Read(ref _dropped[reason]);

    public long BytesIn(Transport transport) => Interlocked.Read(ref _bytesIn[Index(transport)]);

    public long BytesOut(Transport transport) => Interlocked.Read(ref _bytesOut[Index(transport)]);

    public long ExecStartedCount(Transport transport) => Interlocked.Read(ref _execStarted[Index(transport)]);

    public long ExecRunningCount(Transport transport) => Interlocked.Read(ref _execRunning[Index(transport)]);

    public long ExecFailedCount(Transport transport) => Interlocked.Read(ref _execFailed[Index(transport)]);

    public IEnumerable<KeyValuePair<(Transport Transport, string Signal), long>> ExecKilled => _execKilled;

    /// <summary>The reasons a datagram is dropped for, by index (<see cref="DroppedCount"/>), as the <c>reason</c> label says them; Accept's is null.</summary>
    public static IReadOnlyList<string?> DropReasons { get; } = [.. Enum.GetValues<UdpVerdict>().Select(v => v == UdpVerdict.Accept ? null : DropName(v)), "amplification"];

    public static string TransportName(Transport transport) => transport == Transport.Tcp ? "tcp" : "udp";

    /// <summary>The <c>outcome</c> label, and the connection log's word: <c>served</c>, <c>timeout</c>, <c>reset</c>, <c>stopped</c>, <c>error</c>.</summary>
    public static string OutcomeName(ConnectionOutcome outcome) => outcome switch
    {
        ConnectionOutcome.Served => "served",
        ConnectionOutcome.Timeout => "timeout",
        ConnectionOutcome.Reset => "reset",
        ConnectionOutcome.Stopped => "stopped",
        _ => "error",
    };

    public static string ReasonName(RefusalReason reason) => reason switch
    {
        RefusalReason.ConnectionLimit => "cap",
        RefusalReason.PerSourceLimit => "per_source",
        RefusalReason.ServiceLimit => "service_cap",
        RefusalReason.ServicePerSourceLimit => "service_per_source",
        RefusalReason.AccessList => "access_list",
        RefusalReason.Instances => "instances",
        _ => "once",
    };

    private static string DropName(UdpVerdict verdict) => verdict switch
    {
        UdpVerdict.ReservedSourcePort => "reserved_source_port",
        UdpVerdict.ServiceSourcePort => "own_port",
        UdpVerdict.InvalidSourceAddress => "invalid_source",
        UdpVerdict.SourceRateLimited => "source_rate",
        UdpVerdict.GlobalRateLimited => "global_rate",
        UdpVerdict.ReflectedReply => "reflection",
        UdpVerdict.AccessDenied => "access_list",
        _ => "instances",
    };

    private static int Index(Transport transport) => transport == Transport.Tcp ? 0 : 1;
}
