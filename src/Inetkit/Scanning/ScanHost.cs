using System.Net;

namespace Inetkit.Scanning;

/// <summary>One address to scan, with the name it was given by, if any (nmap's <c>hostname type="user"</c>).</summary>
public sealed record ScanHost(IPAddress Address, string? Name = null)
{
    /// <summary>True for 127.0.0.0/8 and ::1 (and their IPv4-mapped forms).</summary>
    public bool IsLoopback => ScanScope.IsLoopback(Address);
}
