using Inetkit.Impairment.Internal;

namespace Inetkit.Impairment;

/// <summary>What happens to a stream going one way: toxiproxy's toxics, with toxiproxy's meanings (all off by default).</summary>
public sealed record StreamImpairment
{
    /// <summary>Each chunk written is delayed by this (<c>latency=T</c>), plus or minus <see cref="Jitter"/>.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Uniform in ±this around <see cref="Latency"/> (<c>jitter=T</c>).</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>At most this many bytes a second (<c>bandwidth=200KB/s</c> or <c>1mbit</c>); null: no limit.</summary>
    public double? BandwidthBytesPerSecond { get; init; }

    /// <summary>Writes in pieces of about this many bytes (<c>slicer=N</c>); null: as they come.</summary>
    public int? SlicerSize { get; init; }

    /// <summary>How much a slice's size varies around <see cref="SlicerSize"/> (toxiproxy's size_variation; default 0).</summary>
    public int SlicerVariation { get; init; }

    /// <summary>The pause between slices (<c>slicer-delay=T</c>).</summary>
    public TimeSpan SlicerDelay { get; init; }

    /// <summary>Pass no data, and close after this (<c>timeout=T</c>; zero: hold for ever); null: off.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Reset the connection (RST) this long after it opened (<c>reset=T</c>); null: off.</summary>
    public TimeSpan? Reset { get; init; }

    /// <summary>Delay the FIN by this (<c>slow-close=T</c>); null: off.</summary>
    public TimeSpan? SlowClose { get; init; }

    /// <summary>Close after this many bytes (<c>limit-data=N</c>); null: off.</summary>
    public long? LimitData { get; init; }

    /// <summary>True when nothing is changed.</summary>
    public bool IsNone => Latency == TimeSpan.Zero && Jitter == TimeSpan.Zero && BandwidthBytesPerSecond is null && SlicerSize is null
        && Timeout is null && Reset is null && SlowClose is null && LimitData is null;

    /// <summary>True when a part only a stream can have is set: all but <see cref="Jitter"/>, which datagrams share.</summary>
    public bool HasStreamOnlyParts => !(this with { Jitter = TimeSpan.Zero }).IsNone;

    /// <summary>What is done, for logs and traces: <c>latency 100ms ±10ms, bandwidth 200KB/s</c>, or <c>none</c>.</summary>
    public string Describe() => ImpairmentParts.Describe(ImpairmentParts.Of(this));
}
