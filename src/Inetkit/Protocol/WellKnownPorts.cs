namespace Inetkit.Protocol;

/// <summary>
/// The port map shared by <c>serve</c> and the clients: the well-known port plus an offset, so that an
/// unprivileged user gets 10007 for echo by default and <c>--port-offset 0</c> gives the real port 7.
/// </summary>
public static class WellKnownPorts
{
    /// <summary>The default offset: echo on 10007, discard 10009, daytime 10013, qotd 10017, chargen 10019, time 10037.</summary>
    public const int DefaultOffset = 10000;

    /// <summary>All services, in the order of their well-known ports.</summary>
    public static IReadOnlyList<ServiceKind> All { get; } =
        [ServiceKind.Echo, ServiceKind.Discard, ServiceKind.Daytime, ServiceKind.Qotd, ServiceKind.Chargen, ServiceKind.Time];

    /// <summary>The IANA port: 7, 9, 13, 17, 19 or 37.</summary>
    public static int WellKnown(ServiceKind service) => service switch
    {
        ServiceKind.Echo => 7,
        ServiceKind.Discard => 9,
        ServiceKind.Daytime => 13,
        ServiceKind.Qotd => 17,
        ServiceKind.Chargen => 19,
        ServiceKind.Time => 37,
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, null),
    };

    /// <summary>The well-known port plus <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The sum is not a valid port.</exception>
    public static int PortFor(ServiceKind service, int offset = DefaultOffset)
    {
        int port = WellKnown(service) + offset;
        if (port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{Name(service)} at offset {offset} would be port {port}, outside 1-65535.");
        }
        return port;
    }

    /// <summary>The largest offset that keeps every service's port valid (65535 - 37).</summary>
    public const int MaxOffset = 65535 - 37;

    /// <summary>The service's lower-case name, as typed on the command line.</summary>
    public static string Name(ServiceKind service) => service switch
    {
        ServiceKind.Echo => "echo",
        ServiceKind.Discard => "discard",
        ServiceKind.Daytime => "daytime",
        ServiceKind.Qotd => "qotd",
        ServiceKind.Chargen => "chargen",
        ServiceKind.Time => "time",
        ServiceKind.Exec => "exec",
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, null),
    };

    /// <summary>Parses a service name (case-insensitive; "quote" is accepted for qotd).</summary>
    public static bool TryParse(string? text, out ServiceKind service)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "echo": service = ServiceKind.Echo; return true;
            case "discard": service = ServiceKind.Discard; return true;
            case "daytime": service = ServiceKind.Daytime; return true;
            case "qotd" or "quote": service = ServiceKind.Qotd; return true;
            case "chargen": service = ServiceKind.Chargen; return true;
            case "time": service = ServiceKind.Time; return true;
            default: service = default; return false;
        }
    }
}
