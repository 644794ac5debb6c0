using System.Globalization;
using System.Text.Json;
using Inetkit.Impairment;

namespace Inetkit.Proxy.Api;

/// <summary>
/// toxiproxy's toxics, and Inetkit's datagram ones, turned into an <see cref="ImpairmentSpec"/>. Stream toxics keep
/// toxiproxy's attributes and units: latency and jitter in ms, bandwidth's rate in KB/s of 1000 bytes (its toxic
/// sleeps len·1ms/rate), slicer's delay in µs, timeouts and delays in ms, limit_data in bytes. Datagram toxics
/// (the extension) take the <c>--impair</c> spec's parameters as attributes: a JSON string in the spec's own syntax
/// (<c>"5%"</c>, <c>"20ms"</c>, <c>"1mbit"</c>), or a number in a default unit (percent, ms, bit/s, a count).
/// </summary>
internal static class ToxicMapping
{
    private enum Unit
    {
        Plain,
        Percent,
        Milliseconds,
        BitsPerSecond,
    }

    private static readonly Dictionary<string, string[]> StreamAttributes = new(StringComparer.Ordinal)
    {
        ["latency"] = ["latency", "jitter"],
        ["bandwidth"] = ["rate"],
        ["slicer"] = ["average_size", "size_variation", "delay"],
        ["timeout"] = ["timeout"],
        ["reset_peer"] = ["timeout"],
        ["slow_close"] = ["delay"],
        ["limit_data"] = ["bytes"],
    };

    private static readonly Dictionary<string, (string Key, Unit Unit)[]> DatagramAttributes = new(StringComparer.Ordinal)
    {
        ["loss"] = [("loss", Unit.Percent), ("loss-burst", Unit.Plain)],
        ["duplicate"] = [("duplicate", Unit.Percent)],
        ["reorder"] = [("reorder", Unit.Percent), ("gap", Unit.Plain), ("reorder-wait", Unit.Milliseconds)],
        ["delay"] = [("delay", Unit.Milliseconds), ("jitter", Unit.Milliseconds)],
        ["corrupt"] = [("corrupt", Unit.Percent)],
        ["rate"] = [("rate", Unit.BitsPerSecond), ("limit", Unit.Plain)],
    };

    /// <summary>The longest time an attribute may give (about 24 days): beyond it, a typo, and past TimeSpan's range sooner or later.</summary>
    private const long MaxMilliseconds = int.MaxValue;

    public static bool IsStreamType(string type) => StreamAttributes.ContainsKey(type);

    public static bool IsDatagramType(string type) => DatagramAttributes.ContainsKey(type);

    /// <summary>Builds a toxic; for an update, <paramref name="attributes"/> are the old ones with the new laid over them.</summary>
    /// <exception cref="ToxiproxyApiException">An unknown type, or an attribute of the wrong kind or out of range (400).</exception>
    public static Toxic Build(string name, string type, Direction direction, float toxicity, IReadOnlyDictionary<string, JsonElement> attributes)
    {
        if (StreamAttributes.TryGetValue(type, out string[]? names))
        {
            var values = names.ToDictionary(n => n, n => Integer(attributes, n));
            return new Toxic
            {
                Name = name,
                Type = type,
                Direction = direction,
                Toxicity = toxicity,
                Attributes = values.ToDictionary(kv => kv.Key, kv => Number(kv.Value)),
                Stream = StreamChange(type, values),
            };
        }
        if (DatagramAttributes.TryGetValue(type, out (string Key, Unit Unit)[]? keys))
        {
            string prefix = direction == Direction.Up ? "up:" : "down:";
            var parts = new List<string>();
            var shown = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var (key, value) in attributes)
            {
                (string Key, Unit Unit)? known = keys.Select(k => ((string, Unit)?)k).FirstOrDefault(k => k!.Value.Item1 == key);
                if (known is null)
                {
                    throw ToxiproxyApiException.BadBody($"{type} has no attribute {key}; its attributes are {string.Join(", ", keys.Select(k => k.Key))}");
                }
                if (value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }
                parts.Add($"{prefix}{key}={SpecValue(type, key, value, known.Value.Unit)}");
                shown[key] = value.Clone();
            }
            var toxic = new Toxic { Name = name, Type = type, Direction = direction, Toxicity = toxicity, Attributes = shown, DatagramParts = parts };
            ToSpec([toxic]);
            return toxic;
        }
        throw ToxiproxyApiException.InvalidToxicType();
    }

    /// <summary>
    /// The impairment of these toxics, in order: a later toxic's setting wins over an earlier one's of the same kind
    /// and direction (toxiproxy chains them; Inetkit's impairer has one of each).
    /// </summary>
    /// <exception cref="ToxiproxyApiException">Datagram parts that cannot go together (a loss burst too short for its loss), 400.</exception>
    public static ImpairmentSpec ToSpec(IEnumerable<Toxic> toxics)
    {
        var up = new StreamImpairment();
        var down = new StreamImpairment();
        var parts = new List<string>();
        foreach (Toxic toxic in toxics)
        {
            if (toxic.Stream is { } change)
            {
                if (toxic.Direction == Direction.Up)
                {
                    up = change(up);
                }
                else
                {
                    down = change(down);
                }
            }
            parts.AddRange(toxic.DatagramParts);
        }
        ImpairmentSpec datagrams;
        try
        {
            datagrams = parts.Count == 0 ? ImpairmentSpec.None : ImpairmentSpec.Parse(string.Join(',', parts), Direction.Both);
        }
        catch (ImpairmentSpecException e)
        {
            throw ToxiproxyApiException.BadBody(e.Message);
        }
        return new ImpairmentSpec { DatagramsUp = datagrams.DatagramsUp, DatagramsDown = datagrams.DatagramsDown, StreamUp = up, StreamDown = down };
    }

    private static Func<StreamImpairment, StreamImpairment> StreamChange(string type, Dictionary<string, long> a) => type switch
    {
        "latency" => s => s with { Latency = Milliseconds(a["latency"]), Jitter = Milliseconds(a["jitter"]) },
        // toxiproxy: a rate of 0 or less passes data unlimited.
        "bandwidth" => a["rate"] <= 0 ? s => s : s => s with { BandwidthBytesPerSecond = a["rate"] * 1000.0 },
        "slicer" => a["average_size"] <= 0 ? s => s : s => s with
        {
            SlicerSize = (int)a["average_size"],
            SlicerVariation = (int)a["size_variation"],
            SlicerDelay = TimeSpan.FromMicroseconds(a["delay"]),
        },
        "timeout" => s => s with { Timeout = Milliseconds(a["timeout"]) },
        "reset_peer" => s => s with { Reset = Milliseconds(a["timeout"]) },
        "slow_close" => s => s with { SlowClose = Milliseconds(a["delay"]) },
        _ => s => s with { LimitData = a["bytes"] },
    };

    /// <summary>An integer attribute as toxiproxy's Go structs decode it: missing or null is 0; a fraction or a string is a bad body.</summary>
    private static long Integer(IReadOnlyDictionary<string, JsonElement> attributes, string name)
    {
        if (!attributes.TryGetValue(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long n))
        {
            throw ToxiproxyApiException.BadBody($"attribute {name}: {value.GetRawText()} is not a whole number");
        }
        long max = name is "bytes" ? long.MaxValue : name is "average_size" or "size_variation" or "rate" ? int.MaxValue : MaxMilliseconds;
        if (n < 0 || n > max)
        {
            throw ToxiproxyApiException.BadBody($"attribute {name}: {n} is out of range (0-{max})");
        }
        return n;
    }

    private static string SpecValue(string type, string key, JsonElement value, Unit unit) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText() + unit switch
        {
            Unit.Percent => "%",
            Unit.Milliseconds => "ms",
            Unit.BitsPerSecond => "bit",
            _ => "",
        },
        _ => throw ToxiproxyApiException.BadBody($"{type} attribute {key}: give a number or a string such as \"5%\" or \"20ms\""),
    };

    private static TimeSpan Milliseconds(long ms) => TimeSpan.FromMilliseconds(ms);

    private static JsonElement Number(long n)
    {
        using JsonDocument document = JsonDocument.Parse(n.ToString(CultureInfo.InvariantCulture));
        return document.RootElement.Clone();
    }
}
