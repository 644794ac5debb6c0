using System.Net;

namespace Inetkit.Metrics;

/// <summary>The metrics endpoint's address could not be bound (in use, a port below 1024 without privilege, not this machine's).</summary>
public sealed class MetricsBindException : IOException
{
    /// <summary>Creates the exception.</summary>
    public MetricsBindException(IPEndPoint endPoint, Exception inner)
        : base($"cannot serve metrics on {endPoint}: {Describe(inner)}", inner)
    {
        EndPoint = endPoint;
    }

    /// <summary>The address and port asked for.</summary>
    public IPEndPoint EndPoint { get; }

    // Kestrel says "Failed to bind to address http://...: address already in use." around the socket's own words.
    private static string Describe(Exception inner) => inner.InnerException is { } cause && cause is not IOException
        ? cause.Message.TrimEnd('.').ToLowerInvariant()
        : inner.Message;
}
