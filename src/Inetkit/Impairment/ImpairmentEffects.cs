namespace Inetkit.Impairment;

/// <summary>What the impairment did to one datagram (several at once: a datagram may be corrupted and duplicated).</summary>
[Flags]
public enum ImpairmentEffects
{
    /// <summary>Nothing: it goes as it came.</summary>
    None = 0,

    /// <summary>Lost (<c>loss</c>): never sent.</summary>
    Lost = 1,

    /// <summary>Sent twice (<c>duplicate</c>).</summary>
    Duplicated = 2,

    /// <summary>Held back for later ones to overtake (<c>reorder</c>).</summary>
    Reordered = 4,

    /// <summary>Sent later than it came (<c>delay</c>, <c>jitter</c>, <c>rate</c>).</summary>
    Delayed = 8,

    /// <summary>A bit flipped (<c>corrupt</c>).</summary>
    Corrupted = 16,

    /// <summary>A copy dropped because the <c>rate</c>'s queue was full.</summary>
    RateDropped = 32,
}
