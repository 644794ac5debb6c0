namespace Inetkit.Hosting;

/// <summary>Why a TCP client was closed at once, or a datagram for a program dropped before it ran.</summary>
public enum RefusalReason
{
    /// <summary>The server's cap over all services (<c>--max-connections</c>) was full.</summary>
    ConnectionLimit,
    /// <summary>The server's cap on connections from one address was full.</summary>
    PerSourceLimit,
    /// <summary>The service's own cap was full.</summary>
    ServiceLimit,
    /// <summary>The service's own cap on connections from one address was full.</summary>
    ServicePerSourceLimit,
    /// <summary>The access list (<c>--allow</c>, <c>--deny</c>) refused the address.</summary>
    AccessList,
    /// <summary>As many of the program's processes ran as <c>--instances</c> allows.</summary>
    Instances,
    /// <summary><c>--once</c> had already taken its exchange.</summary>
    Once,
}
