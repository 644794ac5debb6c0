namespace Inetkit.Impairment;

/// <summary>
/// What a <see cref="DatagramImpairer{TTarget}"/> has done so far, as one consistent snapshot. Duplicates are sent
/// copies: once everything due has gone, <c>Sent + RateDropped + Abandoned = Submitted - Lost + Duplicated</c>.
/// </summary>
public readonly record struct ImpairmentCounters
{
    /// <summary>Datagrams given to the impairer.</summary>
    public long Submitted { get; init; }

    /// <summary>Datagrams handed to the send function, duplicates included.</summary>
    public long Sent { get; init; }

    /// <summary>Submitted datagrams lost (<c>loss</c>).</summary>
    public long Lost { get; init; }

    /// <summary>Submitted datagrams sent twice (<c>duplicate</c>).</summary>
    public long Duplicated { get; init; }

    /// <summary>Submitted datagrams held back for later ones to overtake (<c>reorder</c>).</summary>
    public long Reordered { get; init; }

    /// <summary>Submitted datagrams that left later than they came, by <c>delay</c>, <c>jitter</c> or waiting for the <c>rate</c>.</summary>
    public long Delayed { get; init; }

    /// <summary>Submitted datagrams with a bit flipped (<c>corrupt</c>).</summary>
    public long Corrupted { get; init; }

    /// <summary>Copies dropped because <c>limit</c> were already waiting for the <c>rate</c> (drop-tail).</summary>
    public long RateDropped { get; init; }

    /// <summary>Copies still delayed or held when the impairer was disposed, never sent.</summary>
    public long Abandoned { get; init; }

    /// <summary>Sends whose function threw; the exception was narrated, not rethrown.</summary>
    public long SendFailed { get; init; }

    /// <summary>The counts of two engines together.</summary>
    public static ImpairmentCounters Sum(ImpairmentCounters a, ImpairmentCounters b) => new()
    {
        Submitted = a.Submitted + b.Submitted,
        Sent = a.Sent + b.Sent,
        Lost = a.Lost + b.Lost,
        Duplicated = a.Duplicated + b.Duplicated,
        Reordered = a.Reordered + b.Reordered,
        Delayed = a.Delayed + b.Delayed,
        Corrupted = a.Corrupted + b.Corrupted,
        RateDropped = a.RateDropped + b.RateDropped,
        Abandoned = a.Abandoned + b.Abandoned,
        SendFailed = a.SendFailed + b.SendFailed,
    };
}
