using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;
using Inetkit.Text;

namespace Inetkit.Clients;

/// <summary>
/// Where a client goes: <c>HOST[:PORT]</c> with IPv4, bracketed IPv6 (<c>[::1]:10007</c>), a bare IPv6 address
/// (no port), or a host name. Without a port, the service's port from the shared map is used.
/// </summary>
public sealed record ServiceAddress(string Host, int Port)
{
    /// <summary>Parses <paramref name="text"/>; <paramref name="port"/> (from <c>--port</c>) wins over a port in the text.</summary>
    /// <exception cref="FormatException">Empty host, a port that is not 1-65535, or a malformed bracket.</exception>
    public static ServiceAddress Parse(string text, ServiceKind service, int? port = null, int portOffset = WellKnownPorts.DefaultOffset)
    {
        (string host, int? given) = Split(text);
        int chosen = port ?? given ?? WellKnownPorts.PortFor(service, portOffset);
        if (chosen is < 1 or > 65535)
        {
            throw new FormatException($"'{text}': port {chosen} is outside 1-65535");
        }
        return new ServiceAddress(host, chosen);
    }

    /// <summary>The host of <c>HOST[:PORT]</c> and its port, null where none is written (<c>check</c> then decides).</summary>
    /// <exception cref="FormatException">Empty host, a port that is not 1-65535, or a malformed bracket.</exception>
    public static (string Host, int? Port) Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string host = text.Trim();
        string? portText = null;
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"'{text}': missing ']' after the IPv6 address");
            }
            string rest = host[(close + 1)..];
            if (rest.Length > 0 && (rest[0] != ':' || rest.Length == 1))
            {
                throw new FormatException($"'{text}': expected [ADDRESS]:PORT");
            }
            portText = rest.Length > 0 ? rest[1..] : null;
            host = host[1..close];
        }
        else if (host.Count(c => c == ':') == 1)
        {
            int colon = host.IndexOf(':', StringComparison.Ordinal);
            portText = host[(colon + 1)..];
            host = host[..colon];
        }
        if (host.Length == 0)
        {
            throw new FormatException($"'{text}': no host");
        }
        if (portText is null)
        {
            return (host, null);
        }
        if (!PlainDecimal.TryParse(portText, out int port))
        {
            throw new FormatException($"'{text}': '{portText}' is not a port number");
        }
        if (port is < 1 or > 65535)
        {
            throw new FormatException($"'{text}': port {port} is outside 1-65535");
        }
        return (host, port);
    }

    /// <summary>The addresses to try, IP literals as they are, names through DNS (IPv4 first, as most servers listen there).</summary>
    /// <exception cref="ClientException">The name does not resolve (<see cref="ClientFailure.Unreachable"/>).</exception>
    public async Task<IPEndPoint[]> ResolveAsync(CancellationToken cancellationToken = default)
    {
        if (IPAddress.TryParse(Host, out IPAddress? literal))
        {
            return [new IPEndPoint(literal, Port)];
        }
        try
        {
            IPAddress[] addresses = await Dns.GetHostAddressesAsync(Host, cancellationToken);
            if (addresses.Length == 0)
            {
                throw new ClientException(ClientFailure.Unreachable, $"{Host}: the name has no addresses");
            }
            return [.. addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).Select(a => new IPEndPoint(a, Port))];
        }
        catch (SocketException e)
        {
            throw new ClientException(ClientFailure.Unreachable, $"{Host}: name not found ({e.Message}); check the spelling or use an address", e);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
