namespace Inetkit.Clients;

/// <summary>How to measure: like ping's -c, -i, -s and -f.</summary>
public sealed record EchoMeasurement
{
    /// <summary>The smallest probe: magic, sequence number and send time.</summary>
    public const int MinSize = EchoProbe.HeaderLength;

    /// <summary>Probes to send; null: until cancelled.</summary>
    public int? Count { get; init; }

    /// <summary>Time between probes (ignored with <see cref="Flood"/>).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Bytes per probe, at least <see cref="MinSize"/>.</summary>
    public int Size { get; init; } = 64;

    /// <summary>Send the next probe as soon as the last one is answered (or lost).</summary>
    public bool Flood { get; init; }
}

/// <summary>How one probe ended.</summary>
public enum ProbeOutcome
{
    /// <summary>Answered, intact, in order.</summary>
    Reply,
    /// <summary>Answered, intact, after a later probe's reply.</summary>
    Reordered,
    /// <summary>A second (or further) reply to a probe already answered.</summary>
    Duplicate,
    /// <summary>A reply after the probe was already counted lost.</summary>
    Late,
    /// <summary>A reply whose bytes differ from the probe.</summary>
    Corrupted,
    /// <summary>No reply within the timeout.</summary>
    Lost,
}

/// <summary>One probe's result, as it happens.</summary>
public sealed record EchoProbeResult(long Sequence, int Bytes, ProbeOutcome Outcome, double? RoundTripMs);
