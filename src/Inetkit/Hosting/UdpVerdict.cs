namespace Inetkit.Hosting;

/// <summary>What the UDP source policy decided about one datagram.</summary>
public enum UdpVerdict
{
    /// <summary>Served.</summary>
    Accept,
    /// <summary>Source port below 1024: where every classic service lives, so a reply could start a loop.</summary>
    ReservedSourcePort,
    /// <summary>Source port is one of Inetkit's own service ports: two Inetkit servers must not ping-pong.</summary>
    ServiceSourcePort,
    /// <summary>Source address is unspecified, multicast or broadcast: never a real client, often spoofed.</summary>
    InvalidSourceAddress,
    /// <summary>This source sent more than its rate allows.</summary>
    SourceRateLimited,
    /// <summary>All sources together sent more than the global rate allows.</summary>
    GlobalRateLimited,
    /// <summary>Beyond loopback: this source keeps sending our own replies straight back (a reflection loop); muted for a while.</summary>
    ReflectedReply,
    /// <summary>The access list (<c>--allow</c>, <c>--deny</c>) refused the source.</summary>
    AccessDenied,
    /// <summary>As many of the program's processes ran as <c>--instances</c> allows.</summary>
    InstancesExhausted,
}
