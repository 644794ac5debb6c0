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
}
