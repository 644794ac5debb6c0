namespace Inetkit.Clients;

/// <summary>How a client exchange failed; each has its own exit code in the CLI.</summary>
public enum ClientFailure
{
    /// <summary>Refused or unreachable: TCP RST, ICMP port unreachable on a connected UDP socket, no route, name not found.</summary>
    Unreachable,
    /// <summary>No reply within the timeout (the seed's "No connection!").</summary>
    Timeout,
    /// <summary>A reply that breaks the protocol: an echo that differs, a time reply that is not 4 bytes, a broken chargen pattern.</summary>
    WrongData,
    /// <summary>Anything else.</summary>
    Other,
}
