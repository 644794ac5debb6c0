using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inetkit.Proxy.Api;

/// <summary>
/// A proxy as a client sends it (POST /proxies, POST|PATCH /proxies/{name}): toxiproxy's fields, every one optional
/// here so that what is missing can be told apart from what is false; plus <c>transport</c>, Inetkit's extension.
/// </summary>
internal sealed class ProxyBody
{
    public string? Name { get; set; }

    public string? Listen { get; set; }

    public string? Upstream { get; set; }

    public bool? Enabled { get; set; }

    /// <summary>Extension: <c>tcp</c> (toxiproxy's only kind, the default), <c>udp</c>, or <c>tcp+udp</c>.</summary>
    public string? Transport { get; set; }
}

/// <summary>A proxy as toxiproxy shows it, toxics included, plus its <c>transport</c>.</summary>
internal sealed class ProxyView
{
    public required string Name { get; init; }

    public required string Listen { get; init; }

    public required string Upstream { get; init; }

    public required bool Enabled { get; init; }

    public required string Transport { get; init; }

    public required IReadOnlyList<ToxicView> Toxics { get; init; }
}

/// <summary>A toxic as a client sends it (POST /proxies/{name}/toxics and its update).</summary>
internal sealed class ToxicBody
{
    public string? Name { get; set; }

    public string? Type { get; set; }

    public string? Stream { get; set; }

    public float? Toxicity { get; set; }

    public Dictionary<string, JsonElement>? Attributes { get; set; }
}

/// <summary>A toxic as toxiproxy shows it: the field order of its ToxicWrapper.</summary>
internal sealed class ToxicView
{
    public required Dictionary<string, JsonElement> Attributes { get; init; }

    public required string Name { get; init; }

    public required string Type { get; init; }

    public required string Stream { get; init; }

    public required float Toxicity { get; init; }
}

/// <summary>toxiproxy's error body.</summary>
internal sealed class ErrorView
{
    public required string Error { get; init; }

    public required int Status { get; init; }
}

/// <summary>POST /populate's answer: every proxy the body named, as it now is.</summary>
internal sealed class PopulateView
{
    public required List<ProxyView> Proxies { get; init; }
}

/// <summary>GET /version's body.</summary>
internal sealed class VersionView
{
    public required string Version { get; init; }
}

/// <summary>
/// Source-generated JSON for every body the API reads or writes: no reflection, so the tool stays trimmable and
/// AOT-compilable. Names are snake_case as toxiproxy's; reading ignores case as Go's decoder does.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(ProxyBody))]
[JsonSerializable(typeof(List<ProxyBody>))]
[JsonSerializable(typeof(PopulateView))]
[JsonSerializable(typeof(ProxyView))]
[JsonSerializable(typeof(Dictionary<string, ProxyView>))]
[JsonSerializable(typeof(ToxicBody))]
[JsonSerializable(typeof(ToxicView))]
[JsonSerializable(typeof(List<ToxicView>))]
[JsonSerializable(typeof(ErrorView))]
[JsonSerializable(typeof(VersionView))]
internal sealed partial class ToxiproxyJson : JsonSerializerContext;
