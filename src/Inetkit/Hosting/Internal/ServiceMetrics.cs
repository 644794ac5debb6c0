using System.Diagnostics;
using System.Diagnostics.Metrics;
using Inetkit.Protocol;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// One service's measurements on <see cref="ServerMetrics"/>' instruments, with every tag set built once (here, for
/// the service's life) so that counting on the listener loops allocates nothing: an <c>Add</c> with a prepared span
/// is all the receive loop and the reply fast path pay, and while nobody listens not even the span is read.
/// </summary>
internal sealed class ServiceMetrics
{
    /// <summary>The <c>reason</c> label of a datagram a reply would have made an amplifier of, beside <see cref="UdpVerdict"/>'s.</summary>
    private static readonly int Amplification = Enum.GetValues<UdpVerdict>().Length;

    private readonly KeyValuePair<string, object?>[] _tcp;
    private readonly KeyValuePair<string, object?>[] _udp;
    private readonly KeyValuePair<string, object?>[][] _refused;
    private readonly KeyValuePair<string, object?>[][] _closed;
    private readonly KeyValuePair<string, object?>[][] _dropped;

    public ServiceMetrics(string service)
    {
        _tcp = Tags(service, Transport.Tcp);
        _udp = Tags(service, Transport.Udp);
        _refused = [.. Enum.GetValues<RefusalReason>().Select(r => Tags(service, Transport.Tcp, ("reason", ReasonName(r))))];
        _closed = [.. Enum.GetValues<ConnectionOutcome>().Select(o => Tags(service, Transport.Tcp, ("outcome", OutcomeName(o))))];
        _dropped = [.. Enum.GetValues<UdpVerdict>().Select(v => Tags(service, Transport.Udp, ("reason", DropName(v)))), Tags(service, Transport.Udp, ("reason", "amplification"))];
        Service = service;
    }

    public string Service { get; }

    public void Accepted() => ServerMetrics.ConnectionsAccepted.Add(1, _tcp);

    public void Refused(RefusalReason reason) => ServerMetrics.ConnectionsRefused.Add(1, _refused[(int)reason]);

    public void Opened() => ServerMetrics.ConnectionsOpen.Add(1, _tcp);

    /// <summary>A connection that was counted open has ended.</summary>
    public void Closed(ConnectionOutcome outcome, long bytesIn, long bytesOut)
    {
        ServerMetrics.ConnectionsOpen.Add(-1, _tcp);
        Ended(outcome, bytesIn, bytesOut);
    }

    /// <summary>A connection served and closed on the thread that accepted it, never counted open (the reply fast paths).</summary>
    public void Ended(ConnectionOutcome outcome, long bytesIn, long bytesOut)
    {
        ServerMetrics.ConnectionsClosed.Add(1, _closed[(int)outcome]);
        TcpBytes(bytesIn, bytesOut);
    }

    /// <summary>Bytes moved over TCP outside the connection's stream (the part of a reply the fast path sent before handing over).</summary>
    public void TcpBytes(long bytesIn, long bytesOut)
    {
        if (bytesIn > 0)
        {
            ServerMetrics.BytesReceived.Add(bytesIn, _tcp);
        }
        if (bytesOut > 0)
        {
            ServerMetrics.BytesSent.Add(bytesOut, _tcp);
        }
    }

    public void Received(int bytes)
    {
        ServerMetrics.DatagramsReceived.Add(1, _udp);
        ServerMetrics.BytesReceived.Add(bytes, _udp);
    }

    public void Answered(int bytes)
    {
        ServerMetrics.DatagramsAnswered.Add(1, _udp);
        ServerMetrics.BytesSent.Add(bytes, _udp);
    }

    public void Dropped(UdpVerdict verdict) => ServerMetrics.DatagramsDropped.Add(1, _dropped[(int)verdict]);

    /// <summary>A reply not sent because it would have been longer than its request, toward a source beyond loopback.</summary>
    public void DroppedAsAmplifier() => ServerMetrics.DatagramsDropped.Add(1, _dropped[Amplification]);

    public void ExecStarted(Transport transport)
    {
        ServerMetrics.ExecStarted.Add(1, Of(transport));
        ServerMetrics.ExecRunning.Add(1, Of(transport));
    }

    public void ExecFailed(Transport transport) => ServerMetrics.ExecFailed.Add(1, Of(transport));

    /// <summary>A process reaped; <paramref name="signal"/> is the signal's name if one ended it. Once a process, so a tag list made here costs nothing that counts.</summary>
    public void ExecEnded(Transport transport, string? signal)
    {
        ServerMetrics.ExecRunning.Add(-1, Of(transport));
        if (signal is not null)
        {
            ServerMetrics.ExecKilled.Add(1, new TagList { { "service", Service }, { "transport", TransportName(transport) }, { "signal", signal } });
        }
    }

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

    public static string DropName(UdpVerdict verdict) => verdict switch
    {
        UdpVerdict.Accept => "accepted",
        UdpVerdict.ReservedSourcePort => "reserved_source_port",
        UdpVerdict.ServiceSourcePort => "own_port",
        UdpVerdict.InvalidSourceAddress => "invalid_source",
        UdpVerdict.SourceRateLimited => "source_rate",
        UdpVerdict.GlobalRateLimited => "global_rate",
        UdpVerdict.ReflectedReply => "reflection",
        UdpVerdict.AccessDenied => "access_list",
        _ => "instances",
    };

    private KeyValuePair<string, object?>[] Of(Transport transport) => transport == Transport.Tcp ? _tcp : _udp;

    private static KeyValuePair<string, object?>[] Tags(string service, Transport transport, (string Key, string Value)? extra = null) => extra is { } e
        ? [new("service", service), new("transport", TransportName(transport)), new(e.Key, e.Value)]
        : [new("service", service), new("transport", TransportName(transport))];
}
