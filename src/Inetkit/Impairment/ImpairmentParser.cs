using Inetkit.Impairment.Internal;
using static Inetkit.Impairment.Internal.ImpairmentUnits;

namespace Inetkit.Impairment;

/// <summary>
/// Reads an <c>--impair</c> spec: comma-separated <c>key=value</c> parts (<c>loss=5%,delay=20ms,jitter=5ms</c>),
/// each optionally limited to one direction by <c>up:</c> (toward the server) or <c>down:</c> (toward the client);
/// unprefixed parts go to the caller's default (serve: down, its replies; proxy: both). A later part overrides an
/// earlier one for the directions it names, so <c>loss=5%,up:loss=0%</c> loses only replies. <c>none</c> is the empty
/// spec. Units are <see cref="ImpairmentUnits"/>': percentages need their <c>%</c>; times take us, ms, s; rates are
/// bits (<c>1mbit</c>, 1000 multiples) or bytes (<c>200KB/s</c>, 1000 multiples, toxiproxy's); sizes are bytes
/// (<c>64KB</c>, 1024 multiples). <c>jitter</c> is both netem's (per datagram) and toxiproxy's (per chunk, with
/// <c>latency</c>): it is set on both, and is neither a datagram-only nor a stream-only part.
/// </summary>
public static class ImpairmentParser
{
    private enum Medium
    {
        Datagram,
        Stream,
        Both,
        Global,
    }

    private static readonly Dictionary<string, Medium> Keys = new(StringComparer.Ordinal)
    {
        ["loss"] = Medium.Datagram,
        ["loss-burst"] = Medium.Datagram,
        ["duplicate"] = Medium.Datagram,
        ["reorder"] = Medium.Datagram,
        ["gap"] = Medium.Datagram,
        ["reorder-wait"] = Medium.Datagram,
        ["delay"] = Medium.Datagram,
        ["jitter"] = Medium.Both,
        ["corrupt"] = Medium.Datagram,
        ["rate"] = Medium.Datagram,
        ["limit"] = Medium.Datagram,
        ["latency"] = Medium.Stream,
        ["bandwidth"] = Medium.Stream,
        ["slicer"] = Medium.Stream,
        ["slicer-variation"] = Medium.Stream,
        ["slicer-delay"] = Medium.Stream,
        ["timeout"] = Medium.Stream,
        ["reset"] = Medium.Stream,
        ["slow-close"] = Medium.Stream,
        ["limit-data"] = Medium.Stream,
        ["seed"] = Medium.Global,
    };

    /// <summary>Parses <paramref name="text"/>; unprefixed parts act in <paramref name="defaultDirection"/>.</summary>
    /// <exception cref="ImpairmentSpecException">A part that does not parse, or is out of range; the message names it.</exception>
    public static ImpairmentSpec Parse(string text, Direction defaultDirection)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim().Length == 0)
        {
            throw new ImpairmentSpecException(text, "the spec is empty; give parts such as loss=5%,delay=20ms, or none");
        }
        if (text.Trim() == "none")
        {
            return ImpairmentSpec.None;
        }
        var spec = new ImpairmentSpec();
        var burstParts = new Dictionary<Direction, string>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var (direction, key, value) = Split(part, defaultDirection);
            spec = Apply(spec, direction, key, value, part);
            if (key == "loss-burst")
            {
                foreach (Direction one in Each(direction))
                {
                    burstParts[one] = part;
                }
            }
        }
        foreach (var (direction, part) in burstParts)
        {
            CheckBurst(spec.Datagrams(direction), part);
        }
        return spec;
    }

    /// <summary>The first part of <paramref name="text"/> that only a stream can have (<c>latency</c>, <c>slicer</c>...), or null.</summary>
    /// <remarks>So the CLI can refuse, naming it, a stream toxic for a service it serves over UDP only.</remarks>
    public static string? FirstStreamPart(string text) => FirstPart(text, Medium.Stream);

    /// <summary>The first part of <paramref name="text"/> that only datagrams can have (<c>loss</c>, <c>rate</c>...), or null.</summary>
    public static string? FirstDatagramPart(string text) => FirstPart(text, Medium.Datagram);

    private static string? FirstPart(string text, Medium medium)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            string unprefixed = StripDirection(part, Direction.Both, out _);
            int equals = unprefixed.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && Keys.TryGetValue(unprefixed[..equals], out Medium found) && found == medium)
            {
                return part;
            }
        }
        return null;
    }

    private static (Direction Direction, string Key, string Value) Split(string part, Direction defaultDirection)
    {
        if (part.Length == 0)
        {
            throw new ImpairmentSpecException(part, "an empty part; separate parts with single commas");
        }
        string unprefixed = StripDirection(part, defaultDirection, out Direction direction);
        int equals = unprefixed.IndexOf('=', StringComparison.Ordinal);
        string key = equals < 0 ? unprefixed : unprefixed[..equals];
        if (!Keys.TryGetValue(key, out Medium medium))
        {
            throw new ImpairmentSpecException(part, $"no such impairment; the parts are {string.Join(", ", Keys.Keys)}, each as key=value, optionally after up: or down:");
        }
        if (equals < 0 || equals == unprefixed.Length - 1)
        {
            throw new ImpairmentSpecException(part, $"give a value, as in {Example(key)}");
        }
        if (medium == Medium.Global && unprefixed.Length != part.Length)
        {
            throw new ImpairmentSpecException(part, $"{key} applies to both directions; leave out the up: or down:");
        }
        return (direction, key, unprefixed[(equals + 1)..]);
    }

    private static string StripDirection(string part, Direction defaultDirection, out Direction direction)
    {
        if (part.StartsWith("up:", StringComparison.Ordinal))
        {
            direction = Direction.Up;
            return part[3..];
        }
        if (part.StartsWith("down:", StringComparison.Ordinal))
        {
            direction = Direction.Down;
            return part[5..];
        }
        direction = defaultDirection;
        return part;
    }

    private static ImpairmentSpec Apply(ImpairmentSpec spec, Direction direction, string key, string value, string part)
    {
        switch (key)
        {
            case "seed":
                return spec with { Seed = ParseCount(value, part, 0) };
            case "jitter":
                TimeSpan jitter = ParseTime(value, part);
                spec = Datagrams(spec, direction, d => d with { Jitter = jitter });
                return Streams(spec, direction, s => s with { Jitter = jitter });
            case "loss":
                double loss = ParsePercent(value, part);
                return Datagrams(spec, direction, d => d with { Loss = loss });
            case "loss-burst":
                double burst = ParseDecimal(value, part, 1);
                return Datagrams(spec, direction, d => d with { LossBurst = burst });
            case "duplicate":
                double duplicate = ParsePercent(value, part);
                return Datagrams(spec, direction, d => d with { Duplicate = duplicate });
            case "reorder":
                double reorder = ParsePercent(value, part);
                return Datagrams(spec, direction, d => d with { Reorder = reorder });
            case "gap":
                int gap = ParseCount(value, part, 1);
                return Datagrams(spec, direction, d => d with { ReorderGap = gap });
            case "reorder-wait":
                TimeSpan wait = ParseTime(value, part);
                return Datagrams(spec, direction, d => d with { ReorderWait = wait });
            case "delay":
                TimeSpan delay = ParseTime(value, part);
                return Datagrams(spec, direction, d => d with { Delay = delay });
            case "corrupt":
                double corrupt = ParsePercent(value, part);
                return Datagrams(spec, direction, d => d with { Corrupt = corrupt });
            case "rate":
                double rate = ParseBitRate(value, part);
                return Datagrams(spec, direction, d => d with { RateBitsPerSecond = rate });
            case "limit":
                int limit = ParseCount(value, part, 1);
                return Datagrams(spec, direction, d => d with { Limit = limit });
            case "latency":
                TimeSpan latency = ParseTime(value, part);
                return Streams(spec, direction, s => s with { Latency = latency });
            case "bandwidth":
                double bandwidth = ParseBitRate(value, part) / 8;
                return Streams(spec, direction, s => s with { BandwidthBytesPerSecond = bandwidth });
            case "slicer":
                int slicer = (int)ParseSize(value, part);
                if (slicer == 0)
                {
                    throw new ImpairmentSpecException(part, "a slice is at least 1 byte");
                }
                return Streams(spec, direction, s => s with { SlicerSize = slicer });
            case "slicer-variation":
                int variation = (int)ParseSize(value, part);
                return Streams(spec, direction, s => s with { SlicerVariation = variation });
            case "slicer-delay":
                TimeSpan slicerDelay = ParseTime(value, part);
                return Streams(spec, direction, s => s with { SlicerDelay = slicerDelay });
            case "timeout":
                TimeSpan timeout = ParseTime(value, part);
                return Streams(spec, direction, s => s with { Timeout = timeout });
            case "reset":
                TimeSpan reset = ParseTime(value, part);
                return Streams(spec, direction, s => s with { Reset = reset });
            case "slow-close":
                TimeSpan slowClose = ParseTime(value, part);
                return Streams(spec, direction, s => s with { SlowClose = slowClose });
            default:
                long limitData = ParseSize(value, part);
                return Streams(spec, direction, s => s with { LimitData = limitData });
        }
    }

    /// <summary>
    /// Gilbert-Elliott enters bursts with p = loss·r/(1-loss), r = 1/burst; p over 1 means the good runs would have to be
    /// shorter than one datagram, so the loss rate cannot be had with bursts that short.
    /// </summary>
    private static void CheckBurst(DatagramImpairment d, string part)
    {
        if (d.LossBurst is { } burst && d.Loss is > 0 and < 1 && d.Loss * (1 / burst) / (1 - d.Loss) > 1)
        {
            throw new ImpairmentSpecException(part, $"bursts of mean length {FormatNumber(burst)} cannot lose {FormatPercent(d.Loss)}; that needs bursts of at least {FormatNumber(Math.Ceiling(d.Loss / (1 - d.Loss) * 100) / 100)}");
        }
    }

    private static ImpairmentSpec Datagrams(ImpairmentSpec spec, Direction direction, Func<DatagramImpairment, DatagramImpairment> change) => spec with
    {
        DatagramsUp = direction.HasFlag(Direction.Up) ? change(spec.DatagramsUp) : spec.DatagramsUp,
        DatagramsDown = direction.HasFlag(Direction.Down) ? change(spec.DatagramsDown) : spec.DatagramsDown,
    };

    private static ImpairmentSpec Streams(ImpairmentSpec spec, Direction direction, Func<StreamImpairment, StreamImpairment> change) => spec with
    {
        StreamUp = direction.HasFlag(Direction.Up) ? change(spec.StreamUp) : spec.StreamUp,
        StreamDown = direction.HasFlag(Direction.Down) ? change(spec.StreamDown) : spec.StreamDown,
    };

    private static IEnumerable<Direction> Each(Direction direction) =>
        new[] { Direction.Up, Direction.Down }.Where(one => direction.HasFlag(one));

    private static string Example(string key) => key switch
    {
        "loss" or "duplicate" or "reorder" or "corrupt" => $"{key}=5%",
        "rate" or "bandwidth" => $"{key}=1mbit",
        "gap" or "limit" or "loss-burst" or "seed" => $"{key}=3",
        "slicer" or "slicer-variation" or "limit-data" => $"{key}=64KB",
        _ => $"{key}=20ms",
    };
}
