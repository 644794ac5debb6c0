using static Inetkit.Impairment.Internal.ImpairmentUnits;

namespace Inetkit.Impairment.Internal;

/// <summary>
/// The parts that are set in an impairment, in the order the spec syntax lists them, as <see cref="ImpairmentPart"/>s:
/// the one place that knows how each is written, so that the canonical spec, the log line and the trace agree.
/// </summary>
internal static class ImpairmentParts
{
    private static readonly DatagramImpairment DatagramDefaults = new();

    public static IEnumerable<ImpairmentPart> Of(DatagramImpairment d)
    {
        if (d.Loss > 0)
        {
            yield return new("loss", FormatPercent(d.Loss), Loss(d));
        }
        if (d.LossBurst is { } burst)
        {
            yield return new("loss-burst", FormatNumber(burst), null);
        }
        if (d.Duplicate > 0)
        {
            yield return new("duplicate", FormatPercent(d.Duplicate), Duplicate(d));
        }
        if (d.Reorder > 0)
        {
            yield return new("reorder", FormatPercent(d.Reorder), Reorder(d));
        }
        if (d.ReorderGap != DatagramDefaults.ReorderGap)
        {
            yield return new("gap", FormatNumber(d.ReorderGap), null);
        }
        if (d.ReorderWait != DatagramDefaults.ReorderWait)
        {
            yield return new("reorder-wait", FormatTime(d.ReorderWait), null);
        }
        if (d.Delay != TimeSpan.Zero)
        {
            yield return new("delay", FormatTime(d.Delay), Delay(d));
        }
        if (d.Jitter != TimeSpan.Zero)
        {
            yield return new("jitter", FormatTime(d.Jitter), d.Delay == TimeSpan.Zero ? Delay(d) : null);
        }
        if (d.Corrupt > 0)
        {
            yield return new("corrupt", FormatPercent(d.Corrupt), Corrupt(d));
        }
        if (d.RateBitsPerSecond is { } rate)
        {
            yield return new("rate", FormatBitRate(rate), Rate(d));
        }
        if (d.Limit != DatagramDefaults.Limit)
        {
            yield return new("limit", FormatNumber(d.Limit), null);
        }
    }

    public static IEnumerable<ImpairmentPart> Of(StreamImpairment s)
    {
        if (s.Latency != TimeSpan.Zero || s.Jitter != TimeSpan.Zero)
        {
            string description = s.Jitter == TimeSpan.Zero ? $"latency {FormatTime(s.Latency)}"
                : s.Latency == TimeSpan.Zero ? $"jitter ±{FormatTime(s.Jitter)}"
                : $"latency {FormatTime(s.Latency)} ±{FormatTime(s.Jitter)}";
            if (s.Latency != TimeSpan.Zero)
            {
                yield return new("latency", FormatTime(s.Latency), description);
            }
            if (s.Jitter != TimeSpan.Zero)
            {
                yield return new("jitter", FormatTime(s.Jitter), s.Latency == TimeSpan.Zero ? description : null);
            }
        }
        if (s.BandwidthBytesPerSecond is { } bandwidth)
        {
            yield return new("bandwidth", FormatByteRate(bandwidth), $"bandwidth {FormatByteRate(bandwidth)}");
        }
        if (s.SlicerSize is { } slicer)
        {
            string variation = s.SlicerVariation == 0 ? "" : $" ±{s.SlicerVariation}";
            string apart = s.SlicerDelay == TimeSpan.Zero ? "" : $", {FormatTime(s.SlicerDelay)} apart";
            yield return new("slicer", FormatSize(slicer), $"slicer {FormatSize(slicer)}{variation} bytes{apart}");
        }
        if (s.SlicerVariation != 0)
        {
            yield return new("slicer-variation", FormatSize(s.SlicerVariation), null);
        }
        if (s.SlicerDelay != TimeSpan.Zero)
        {
            yield return new("slicer-delay", FormatTime(s.SlicerDelay), null);
        }
        if (s.Timeout is { } timeout)
        {
            yield return new("timeout", FormatTime(timeout), timeout == TimeSpan.Zero ? "timeout (no data, held open for ever)" : $"timeout {FormatTime(timeout)} (no data, then closed)");
        }
        if (s.Reset is { } reset)
        {
            yield return new("reset", FormatTime(reset), $"reset after {FormatTime(reset)}");
        }
        if (s.SlowClose is { } slowClose)
        {
            yield return new("slow-close", FormatTime(slowClose), $"slow-close {FormatTime(slowClose)}");
        }
        if (s.LimitData is { } limitData)
        {
            yield return new("limit-data", FormatSize(limitData), $"limit-data {FormatSize(limitData)} bytes");
        }
    }

    /// <summary>Joins the descriptions: <c>loss 5%, duplicate 1%</c>, or <c>none</c>.</summary>
    public static string Describe(IEnumerable<ImpairmentPart> parts)
    {
        string text = string.Join(", ", parts.Select(p => p.Description).OfType<string>().Distinct());
        return text.Length == 0 ? "none" : text;
    }

    public static string Loss(DatagramImpairment d) =>
        d.LossBurst is { } burst ? $"loss {FormatPercent(d.Loss)} in bursts of {FormatNumber(burst)}" : $"loss {FormatPercent(d.Loss)}";

    public static string Duplicate(DatagramImpairment d) => $"duplicate {FormatPercent(d.Duplicate)}";

    public static string Reorder(DatagramImpairment d) =>
        d.ReorderGap == DatagramDefaults.ReorderGap && d.ReorderWait == DatagramDefaults.ReorderWait
            ? $"reorder {FormatPercent(d.Reorder)}"
            : $"reorder {FormatPercent(d.Reorder)} (gap {d.ReorderGap}, at most {FormatTime(d.ReorderWait)})";

    public static string Delay(DatagramImpairment d) =>
        d.Jitter == TimeSpan.Zero ? $"delay {FormatTime(d.Delay)}"
        : d.Delay == TimeSpan.Zero ? $"jitter ±{FormatTime(d.Jitter)}"
        : $"delay {FormatTime(d.Delay)} ±{FormatTime(d.Jitter)}";

    public static string Corrupt(DatagramImpairment d) => $"corrupt {FormatPercent(d.Corrupt)}";

    public static string Rate(DatagramImpairment d) =>
        d.Limit == DatagramDefaults.Limit ? $"rate {FormatBitRate(d.RateBitsPerSecond ?? 0)}" : $"rate {FormatBitRate(d.RateBitsPerSecond ?? 0)} (limit {d.Limit})";
}
