using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal;

/// <summary>What every listener loop of one server shares.</summary>
internal sealed class HostContext(
    InetServerOptions first,
    ConnectionTracker tracker,
    OnceGate once,
    Counters counters,
    ImpairmentLedger impairments,
    CancellationToken stopping)
{
    private InetServerOptions _options = first;

    // A reload changes limits, not the logger or the clock: these are the first start's.
    private readonly TimeProvider _clock = first.TimeProvider;

    /// <summary>The server's options; a reload replaces them, for the clients to come.</summary>
    public InetServerOptions Options
    {
        get => Volatile.Read(ref _options);
        set => Volatile.Write(ref _options, value);
    }

    public TimeProvider Clock => _clock;

    public ConnectionTracker Tracker => tracker;

    public OnceGate Once => once;

    public Counters Counters => counters;

    /// <summary>The impairment engines' counts, per service.</summary>
    public ImpairmentLedger Impairments => impairments;

    /// <summary>Cancelled when the server stops accepting; in-flight connections are not cancelled by it.</summary>
    public CancellationToken Stopping => stopping;

    /// <summary>Datagrams dropped by the source policy: a flood of them must not become a flood of log lines.</summary>
    public LogThrottle DropLog { get; } = new(first.Logger, first.TimeProvider, TimeSpan.FromSeconds(10));

    /// <summary>Connections refused, a throttle per reason, so that a flood refused by the access list cannot hide a full cap.</summary>
    private readonly LogThrottle[] _refusalLogs = [.. Enum.GetValues<RefusalReason>().Select(_ => new LogThrottle(first.Logger, first.TimeProvider, TimeSpan.FromSeconds(10)))];

    /// <summary>Socket and service errors that could repeat for every client.</summary>
    public LogThrottle ErrorLog { get; } = new(first.Logger, first.TimeProvider, TimeSpan.FromSeconds(10));

    private readonly Lock _streamsLock = new();
    private Linux.EpollStreams? _streams;
    private bool _streamsTried;

    /// <summary>
    /// The epoll loops of echo and discard connections (Linux), started with the first such connection; null where
    /// they do not work, and those connections take the stream path.
    /// </summary>
    public Linux.EpollStreams? Streams
    {
        get
        {
            lock (_streamsLock)
            {
                if (!_streamsTried)
                {
                    _streamsTried = true;
                    _streams = Linux.EpollStreams.TryStart(this);
                }
                return _streams;
            }
        }
    }

    /// <summary>Stops the epoll loops, once every connection has ended.</summary>
    public void StopStreams()
    {
        lock (_streamsLock)
        {
            _streamsTried = true;
            _streams?.Dispose();
            _streams = null;
        }
    }

    public void Warn(string message) => ErrorLog.Log(LogLevel.Warning, message);

    /// <summary>A client closed at once or a datagram dropped before its program ran: the throttled warning and the connection log's line.</summary>
    public void Refused(string service, Protocol.Transport transport, System.Net.IPEndPoint client, RefusalReason reason, string why)
    {
        _refusalLogs[(int)reason].Log(LogLevel.Warning, $"{service}/{(transport == Protocol.Transport.Tcp ? "tcp" : "udp")}: refused {ConnectionLogEntry.Normalize(client)}: {why}");
        Options.ConnectionLog?.Invoke(new ConnectionLogEntry
        {
            Time = _clock.GetUtcNow(),
            Service = service,
            Transport = transport,
            Client = ConnectionLogEntry.Normalize(client),
            Outcome = ConnectionLogEntry.RefusedOutcome(reason),
        });
    }
}
