using Inetkit.Impairment.Internal;

namespace Inetkit.Impairment;

/// <summary>
/// A parsed <c>--impair</c> spec (<c>loss=5%,duplicate=1%,down:delay=20ms</c>): for each direction, what happens to
/// datagrams and to streams. One syntax for <c>serve --impair</c> and <c>proxy --impair</c>.
/// </summary>
public sealed record ImpairmentSpec
{
    /// <summary>Nothing impaired.</summary>
    public static ImpairmentSpec None { get; } = new();

    /// <summary>Datagrams toward the server.</summary>
    public DatagramImpairment DatagramsUp { get; init; } = new();

    /// <summary>Datagrams toward the client.</summary>
    public DatagramImpairment DatagramsDown { get; init; } = new();

    /// <summary>The stream toward the server.</summary>
    public StreamImpairment StreamUp { get; init; } = new();

    /// <summary>The stream toward the client.</summary>
    public StreamImpairment StreamDown { get; init; } = new();

    /// <summary>The seed of every random choice (<c>seed=N</c>): the same seed, the same datagrams lost. Null: a fresh one per run.</summary>
    public int? Seed { get; init; }

    /// <summary>The datagram impairment one way.</summary>
    public DatagramImpairment Datagrams(Direction direction) => direction == Direction.Up ? DatagramsUp : DatagramsDown;

    /// <summary>The stream impairment one way.</summary>
    public StreamImpairment Stream(Direction direction) => direction == Direction.Up ? StreamUp : StreamDown;

    /// <summary>True when nothing is changed either way.</summary>
    public bool IsNone => DatagramsUp.IsNone && DatagramsDown.IsNone && StreamUp.IsNone && StreamDown.IsNone;

    /// <summary>True when either way has a part only a stream can have (<c>jitter</c> alone is not one: it is shared).</summary>
    public bool HasStreamParts => StreamUp.HasStreamOnlyParts || StreamDown.HasStreamOnlyParts;

    /// <summary>Parses an <c>--impair</c> spec; see <see cref="ImpairmentParser"/> for the syntax.</summary>
    /// <exception cref="ImpairmentSpecException">A part that does not parse, or is out of range; the message names it.</exception>
    public static ImpairmentSpec Parse(string text, Direction defaultDirection) => ImpairmentParser.Parse(text, defaultDirection);

    /// <summary>What is done one way, for logs and traces: <c>loss 5%, duplicate 1%</c>, or <c>none</c>.</summary>
    public string Describe(Direction direction) =>
        ImpairmentParts.Describe(ImpairmentParts.Of(Datagrams(direction)).Concat(ImpairmentParts.Of(Stream(direction))));

    /// <summary>
    /// The spec in its canonical form, which <see cref="Parse"/> reads back to an equal spec whatever the default
    /// direction: <c>seed=N</c> first, then every part with its <c>up:</c> or <c>down:</c>, defaults left out;
    /// <c>none</c> when nothing is impaired. A stream's jitter is written once, as the datagrams' (they are one part).
    /// </summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Seed is { } seed)
        {
            parts.Add($"seed={seed}");
        }
        foreach (var (prefix, direction) in new[] { ("up:", Direction.Up), ("down:", Direction.Down) })
        {
            IEnumerable<ImpairmentPart> streamParts = ImpairmentParts.Of(Stream(direction)).Where(p => p.Key != "jitter");
            parts.AddRange(ImpairmentParts.Of(Datagrams(direction)).Concat(streamParts).Select(p => $"{prefix}{p.Key}={p.Value}"));
        }
        return parts.Count == 0 ? "none" : string.Join(',', parts);
    }
}
