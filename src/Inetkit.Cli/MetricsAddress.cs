using System.Globalization;
using System.Net;

namespace Inetkit.Cli;

/// <summary>
/// <c>--metrics</c> of serve and proxy: <c>PORT</c> or <c>:PORT</c> (on 127.0.0.1), <c>ADDR</c> (port
/// <see cref="DefaultPort"/>), <c>ADDR:PORT</c>, <c>[::1]:PORT</c>, <c>localhost[:PORT]</c>. Loopback unless an
/// address says otherwise: the counts tell whoever reads them what this machine serves and how busy it is.
/// </summary>
internal static class MetricsAddress
{
    /// <summary>The OpenTelemetry Prometheus exporter's port in Prometheus' list of default ports.</summary>
    public const int DefaultPort = 9464;

    /// <summary>The endpoint <paramref name="text"/> means; null if it means none.</summary>
    public static IPEndPoint? Parse(string text)
    {
        string t = text.Trim();
        if (t.StartsWith("localhost", StringComparison.OrdinalIgnoreCase))
        {
            t = "127.0.0.1" + t["localhost".Length..];
        }
        if (int.TryParse(t.StartsWith(':') ? t[1..] : t, NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            return port <= 65535 ? new IPEndPoint(IPAddress.Loopback, port) : null;
        }
        // An address alone: IPv4 has no colon, IPv6 written bare or in brackets has no port after them.
        if (IPAddress.TryParse(t.Trim('[', ']'), out IPAddress? address) && (!t.Contains('.', StringComparison.Ordinal) || !t.Contains(':', StringComparison.Ordinal)) && !t.Contains("]:", StringComparison.Ordinal))
        {
            return new IPEndPoint(address, DefaultPort);
        }
        return IPEndPoint.TryParse(t, out IPEndPoint? endPoint) && (t.Contains('.', StringComparison.Ordinal) || t.StartsWith('[')) ? endPoint : null;
    }

    /// <summary>The one-line complaint about a value <see cref="Parse"/> refuses.</summary>
    public static string Problem(string option, string text) => $"{option} {text}: give ADDR:PORT, such as 127.0.0.1:{DefaultPort} (or a PORT alone, on loopback)";
}
