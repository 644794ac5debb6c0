using Inetkit.Protocol;

namespace Inetkit.Clients;

/// <summary>What every client shares: transport, the timeout for connect and each wait, and tracing.</summary>
public sealed record ClientOptions
{
    /// <summary>TCP (the default) or UDP.</summary>
    public Transport Transport { get; init; } = Transport.Tcp;

    /// <summary>Bounds the connect and every wait for a reply.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>If set, receives one line per socket call, in the words <c>serve --trace</c> uses.</summary>
    public Action<string>? Trace { get; init; }

    /// <summary>
    /// If set, receives every socket call as a structured <see cref="Tracing.TraceEvent"/> (with the calls that wait,
    /// and the bytes moved): what <c>inetkit demo</c> draws. <see cref="Trace"/> and this may be set together.
    /// </summary>
    public Action<Tracing.TraceEvent>? TraceEvents { get; init; }

    /// <summary>The clock for measurements and the time client's comparison (inject one in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
