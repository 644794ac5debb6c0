using System.Globalization;
using System.Net;
using Inetkit.Impairment;
using Inetkit.Protocol;

namespace Inetkit.Proxy.Api;

/// <summary>
/// One proxy of the API: toxiproxy's name, listen, upstream and enabled, its toxics, and the <see cref="InetProxy"/>
/// relaying while it is enabled. Changed only under the registry's lock; the toxics array is swapped whole, so the
/// relay's per-connection draw reads a consistent set without a lock.
/// </summary>
internal sealed class NamedProxy(string name, ToxiproxyApiOptions options)
{
    private Toxic[] _toxics = [];
    private ImpairmentSpec _all = ImpairmentSpec.None;

    public string Name { get; } = name;

    /// <summary>As toxiproxy shows it: the address given, replaced by the one bound once started (so port 0 stays the port it got).</summary>
    public required string Listen { get; set; }

    public required string Upstream { get; set; }

    public required IPEndPoint Target { get; set; }

    public required Transport? Transport { get; set; }

    /// <summary>The limits of a proxy the program started itself (<c>--to</c> with <c>--api</c>); null: the defaults.</summary>
    public InetProxyOptions? Template { get; init; }

    public InetProxy? Running { get; private set; }

    public bool Enabled => Running is not null;

    public IReadOnlyList<Toxic> Toxics => Volatile.Read(ref _toxics);

    /// <exception cref="ProxyBindException">The listen address cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Running is not null)
        {
            return;
        }
        InetProxyOptions settings = (Template ?? new InetProxyOptions { Target = Target }) with
        {
            Name = Name,
            Listen = ProxyAddresses.ParseListen(Listen),
            Target = Target,
            Transport = Transport,
            Impairment = _all,
            TimeProvider = options.TimeProvider,
            Trace = options.Trace,
        };
        InetProxy proxy = await InetProxy.StartAsync(settings, cancellationToken);
        proxy.ConnectionImpairment = Draw;
        Running = proxy;
        Listen = ProxyAddresses.Format(proxy.EndPoint);
    }

    /// <summary>Stops listening and ends its connections, as toxiproxy's disable does.</summary>
    public async Task StopAsync()
    {
        if (Running is { } proxy)
        {
            Running = null;
            await proxy.DisposeAsync();
        }
    }

    /// <summary>Replaces the toxics; from now on every connection (open ones too, each drawn again) and every next datagram see them.</summary>
    /// <exception cref="ToxiproxyApiException">They cannot go together (400); nothing is changed.</exception>
    public void SetToxics(Toxic[] toxics)
    {
        // UDP has no connection to draw for: a toxic with any toxicity above 0 acts on every datagram.
        ImpairmentSpec all = ToxicMapping.ToSpec(Ordered(toxics.Where(t => t.Toxicity > 0)));
        Volatile.Write(ref _toxics, toxics);
        _all = all;
        if (Running is { } proxy)
        {
            proxy.Impairment = all;
        }
    }

    public ProxyView ToView() => new()
    {
        Name = Name,
        Listen = Listen,
        Upstream = Upstream,
        Enabled = Enabled,
        Transport = ProxyAddresses.Format(Transport),
        Toxics = [.. Ordered(Toxics).Select(t => t.ToView())],
    };

    /// <summary>toxiproxy lists the upstream chain, then the downstream one, each in the order added.</summary>
    public static IEnumerable<Toxic> Ordered(IEnumerable<Toxic> toxics) => toxics.OrderBy(t => t.Direction == Direction.Up ? 0 : 1);

    /// <summary>As toxiproxy's link does for each toxic, once per connection and change: it applies with probability <c>toxicity</c>.</summary>
    private ImpairmentSpec Draw()
    {
        Toxic[] toxics = Volatile.Read(ref _toxics);
        if (toxics.All(t => t.Toxicity >= 1 || t.Toxicity <= 0))
        {
            return ToxicMapping.ToSpec(Ordered(toxics.Where(t => t.Toxicity > 0)));
        }
        return ToxicMapping.ToSpec(Ordered(toxics.Where(t => t.Toxicity >= 1 || Random.Shared.NextSingle() < t.Toxicity)));
    }
}

/// <summary>The address forms of the API: toxiproxy's <c>host:port</c> strings.</summary>
internal static class ProxyAddresses
{
    /// <summary>
    /// A listen address: an IP literal (<c>127.0.0.1:0</c>, <c>[::1]:8080</c>, <c>0.0.0.0:9000</c> when wanted), or
    /// <c>localhost</c>; an empty host (<c>:8080</c>, or nothing at all) is loopback here, not Go's every interface,
    /// so that a proxy is reachable from beyond this machine only when asked by address.
    /// </summary>
    /// <exception cref="ToxiproxyApiException">Anything else (400).</exception>
    public static IPEndPoint ParseListen(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new IPEndPoint(IPAddress.Loopback, 0);
        }
        int colon = text.LastIndexOf(':');
        string host = colon < 0 ? text : text[..colon];
        string port = colon < 0 ? "0" : text[(colon + 1)..];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > 65535)
        {
            throw ToxiproxyApiException.BadBody($"listen {text}: the port must be 0-65535");
        }
        IPAddress address = host.Length == 0 || host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(host, out IPAddress? literal) ? literal
            : throw ToxiproxyApiException.BadBody($"listen {text}: give an address (127.0.0.1, [::1], 0.0.0.0) or localhost, with a port");
        return new IPEndPoint(address, number);
    }

    public static string Format(IPEndPoint endPoint) => endPoint.ToString();

    public static string Format(Transport? transport) => transport switch { Protocol.Transport.Tcp => "tcp", Protocol.Transport.Udp => "udp", _ => "tcp+udp" };

    /// <exception cref="ToxiproxyApiException">Not tcp, udp or tcp+udp (400).</exception>
    public static Transport? ParseTransport(string? text) => text?.ToLowerInvariant() switch
    {
        null or "tcp" => Protocol.Transport.Tcp,
        "udp" => Protocol.Transport.Udp,
        "tcp+udp" or "both" => null,
        _ => throw ToxiproxyApiException.BadBody($"transport {text}: give tcp (the default), udp or tcp+udp"),
    };
}
