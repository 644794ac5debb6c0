using System.Net;
using Inetkit.Protocol;

namespace Inetkit.Hosting;

/// <summary>
/// One line of <c>--log-connections</c>: a connection served, a datagram a program answered, or a refusal, with
/// xinetd's log_on_success and log_on_failure fields.
/// </summary>
public sealed record ConnectionLogEntry
{
    /// <summary>When it ended (or was refused).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The service's name.</summary>
    public required string Service { get; init; }

    /// <summary>TCP or UDP.</summary>
    public required Transport Transport { get; init; }

    /// <summary>The client's address and port (an IPv4 client of a dual-stack socket as IPv4).</summary>
    public required IPEndPoint Client { get; init; }

    /// <summary>
    /// What became of it: <c>served</c>; <c>refused: acl</c>, <c>refused: instances</c>, <c>refused: limit</c>,
    /// <c>refused: per-source limit</c>, <c>refused: service limit</c>; <c>timeout</c> (the idle or exec timeout),
    /// <c>reset</c> (the client reset, or the stop's grace ran out), <c>stopped</c>, <c>error</c>.
    /// </summary>
    public required string Outcome { get; init; }

    /// <summary>From accept (or receipt) to close; zero for a refusal.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Bytes from the client, where known.</summary>
    public long? BytesIn { get; init; }

    /// <summary>Bytes to the client, where known.</summary>
    public long? BytesOut { get; init; }

    /// <summary>The program's process id, for a program's connection or datagram.</summary>
    public int? Pid { get; init; }

    /// <summary>How the program ended: <c>exit(0)</c>, <c>SIGKILL</c>; null for a built-in.</summary>
    public string? Exit { get; init; }

    /// <summary>An IPv4 client of a dual-stack socket as the IPv4 address it is.</summary>
    internal static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    /// <summary>The outcome word of a refusal, as xinetd's log_on_failure would put it.</summary>
    internal static string RefusedOutcome(RefusalReason reason) => reason switch
    {
        RefusalReason.AccessList => "refused: acl",
        RefusalReason.Instances => "refused: instances",
        RefusalReason.ConnectionLimit => "refused: limit",
        RefusalReason.PerSourceLimit => "refused: per-source limit",
        RefusalReason.ServiceLimit => "refused: service limit",
        RefusalReason.ServicePerSourceLimit => "refused: service per-source limit",
        _ => "refused: once",
    };
}
