using System.Text.Json;
using Inetkit.Impairment;

namespace Inetkit.Proxy.Api;

/// <summary>
/// One toxic as the API holds it: what toxiproxy shows (name, type, stream, toxicity, attributes) and what it means
/// to the relay, either a change to one direction's stream toxics or a part of an <c>--impair</c> spec for datagrams.
/// Immutable: an update makes a new one, so a connection drawing toxics never sees one half-changed.
/// </summary>
internal sealed record Toxic
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    public required Direction Direction { get; init; }

    public required float Toxicity { get; init; }

    /// <summary>The attributes as shown: every attribute of the type, given or defaulted, as toxiproxy marshals its struct.</summary>
    public required IReadOnlyDictionary<string, JsonElement> Attributes { get; init; }

    /// <summary>For a stream toxic, what it does to its direction's <see cref="StreamImpairment"/>.</summary>
    public Func<StreamImpairment, StreamImpairment>? Stream { get; init; }

    /// <summary>For a datagram toxic, its parts in the <c>--impair</c> syntax, each with its <c>up:</c> or <c>down:</c>.</summary>
    public IReadOnlyList<string> DatagramParts { get; init; } = [];

    /// <summary>toxiproxy's name for the direction: upstream is toward the server.</summary>
    public string StreamName => Direction == Direction.Up ? "upstream" : "downstream";

    public ToxicView ToView() => new()
    {
        Attributes = new Dictionary<string, JsonElement>(Attributes),
        Name = Name,
        Type = Type,
        Stream = StreamName,
        Toxicity = Toxicity,
    };
}
