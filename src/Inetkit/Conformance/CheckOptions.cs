namespace Inetkit.Conformance;

/// <summary>How <c>check</c> talks to a server: how long each wait lasts and how often UDP tries again.</summary>
public sealed record CheckOptions
{
    /// <summary>Bounds every connect and every wait for a reply (default 2 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// UDP datagrams sent again after silence before a case fails for it (default 2): some servers drop a datagram
    /// that arrives while they reply (xinetd loses about one in six back-to-back requests).
    /// </summary>
    public int Retries { get; init; } = 2;

    /// <summary>If set, receives one line per socket call, in the words <c>serve --trace</c> uses.</summary>
    public Action<string>? Trace { get; init; }

    /// <summary>
    /// Most connections and datagrams started per second (null: no cap). <c>check</c> sets the scanner's pace beyond
    /// loopback (300/s), so that a check is never a flood toward someone else's host.
    /// </summary>
    public double? Rate { get; init; }

    /// <summary>The local clock, which the time and daytime cases compare with.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
