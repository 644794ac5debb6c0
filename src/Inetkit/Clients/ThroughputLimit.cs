namespace Inetkit.Clients;

/// <summary>How long a throughput run lasts: a byte count, a duration, or whichever comes first.</summary>
public sealed record ThroughputLimit(long? Bytes, TimeSpan? Duration)
{
    /// <summary>Five seconds, when neither is given.</summary>
    public static ThroughputLimit Default { get; } = new(null, TimeSpan.FromSeconds(5));
}

/// <summary>A throughput run's outcome. MB is 10^6 bytes, as the load generator counts.</summary>
public sealed record ThroughputResult(long Bytes, TimeSpan Elapsed, System.Net.IPEndPoint Server)
{
    /// <summary>Megabytes (10^6 bytes) per second.</summary>
    public double MegabytesPerSecond => Elapsed <= TimeSpan.Zero ? 0 : Bytes / 1e6 / Elapsed.TotalSeconds;
}
