using Inetkit.Impairment.Internal;

namespace Inetkit.Impairment;

/// <summary>
/// What happens to the datagrams going one way, as netem does it (all off by default). Probabilities are 0-1.
/// </summary>
public sealed record DatagramImpairment
{
    /// <summary>Each datagram is lost with this probability (<c>loss=5%</c>).</summary>
    public double Loss { get; init; }

    /// <summary>
    /// With a value, losses come in bursts of this mean length (<c>loss-burst=N</c>), netem's Gilbert-Elliott model,
    /// with the long-run loss rate still <see cref="Loss"/>.
    /// </summary>
    public double? LossBurst { get; init; }

    /// <summary>Each datagram is sent twice with this probability (<c>duplicate=1%</c>).</summary>
    public double Duplicate { get; init; }

    /// <summary>
    /// Each datagram is held back with this probability (<c>reorder=2%</c>) until <see cref="ReorderGap"/> later ones
    /// have gone, or at most <see cref="ReorderWait"/> when none comes: late, never lost.
    /// </summary>
    public double Reorder { get; init; }

    /// <summary>How many later datagrams overtake a held one (<c>gap=N</c>, default 1).</summary>
    public int ReorderGap { get; init; } = 1;

    /// <summary>The longest a held datagram waits for others to overtake it (<c>reorder-wait=T</c>, default 50 ms).</summary>
    public TimeSpan ReorderWait { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Every datagram is delayed by this (<c>delay=20ms</c>), plus or minus <see cref="Jitter"/>.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Uniform in ±this around <see cref="Delay"/> (<c>jitter=5ms</c>); larger than the spacing, it reorders, as netem's does.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>Each datagram has one random bit flipped with this probability (<c>corrupt=1%</c>).</summary>
    public double Corrupt { get; init; }

    /// <summary>A token bucket of this many bits per second (<c>rate=1mbit</c>); null: no limit.</summary>
    public double? RateBitsPerSecond { get; init; }

    /// <summary>Datagrams queued behind <see cref="RateBitsPerSecond"/> before drop-tail (<c>limit=N</c>, default 1000, netem's).</summary>
    public int Limit { get; init; } = 1000;

    /// <summary>True when nothing is changed.</summary>
    public bool IsNone => Loss == 0 && Duplicate == 0 && Reorder == 0 && Delay == TimeSpan.Zero && Jitter == TimeSpan.Zero && Corrupt == 0 && RateBitsPerSecond is null;

    /// <summary>What is done, for logs and traces: <c>loss 5%, duplicate 1%</c>, or <c>none</c>.</summary>
    public string Describe() => ImpairmentParts.Describe(ImpairmentParts.Of(this));
}
