namespace Inetkit.Protocol;

/// <summary>The six classic Internet services, RFCs 862 to 868.</summary>
public enum ServiceKind
{
    /// <summary>RFC 862: returns what it receives.</summary>
    Echo,
    /// <summary>RFC 863: reads and drops.</summary>
    Discard,
    /// <summary>RFC 867: one human-readable line with the date and time.</summary>
    Daytime,
    /// <summary>RFC 865: one short quote.</summary>
    Qotd,
    /// <summary>RFC 864: a stream (TCP) or a datagram (UDP) of printable characters.</summary>
    Chargen,
    /// <summary>RFC 868: 32-bit seconds since 1900-01-01 UTC.</summary>
    Time,
    /// <summary>A program of the user's, run per TCP connection or per UDP datagram as inetd runs one (<c>serve exec</c>).</summary>
    Exec,
}
