namespace Inetkit.Clients;

/// <summary>Round-trip times in milliseconds, as ping reports them, plus percentiles (nearest rank).</summary>
public sealed record RoundTripSummary(double Min, double Avg, double Max, double Mdev, double P50, double P90, double P99)
{
    /// <summary>The summary of <paramref name="samples"/>, or null when there are none.</summary>
    public static RoundTripSummary? Of(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0)
        {
            return null;
        }
        double[] sorted = [.. samples.Order()];
        double avg = sorted.Average();
        double mdev = Math.Sqrt(Math.Max(0, sorted.Average(x => x * x) - (avg * avg)));
        return new RoundTripSummary(sorted[0], avg, sorted[^1], mdev, Rank(sorted, 0.50), Rank(sorted, 0.90), Rank(sorted, 0.99));
    }

    private static double Rank(double[] sorted, double fraction) => sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>
/// What an echo measurement saw. Every probe sent ends as exactly one of received (in order or reordered),
/// lost or corrupted: <c>Sent = Received + Lost + Corrupted</c>. Duplicates and late replies are extra replies,
/// counted apart and never in Received.
/// </summary>
public sealed record EchoStatistics(
    long Sent,
    long Received,
    long Lost,
    long Duplicates,
    long Reordered,
    long Corrupted,
    long Late,
    RoundTripSummary? RoundTrip,
    System.Net.IPEndPoint Server)
{
    /// <summary>Lost probes as a percentage of those sent.</summary>
    public double LossPercent => Sent == 0 ? 0 : 100.0 * Lost / Sent;
}
