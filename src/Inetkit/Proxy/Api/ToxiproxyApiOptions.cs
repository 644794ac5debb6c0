using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;
using Inetkit.Scanning;

namespace Inetkit.Proxy.Api;

/// <summary>
/// Decides whether a proxy may relay to <paramref name="host"/>:<paramref name="port"/>, and to which address, before
/// anything is sent there.
/// </summary>
/// <returns>The address to relay to.</returns>
/// <exception cref="UnauthorizedScanException">Not authorized (the API answers 403, nothing sent).</exception>
/// <exception cref="ScopeException">The scope cannot be used (403).</exception>
/// <exception cref="ArgumentException">The host cannot be used, for example it does not resolve (400).</exception>
public delegate ValueTask<IPAddress> UpstreamAuthorizer(string host, int port, Transport? transport, CancellationToken cancellationToken);

/// <summary>How <see cref="ToxiproxyApi"/> creates proxies.</summary>
public sealed record ToxiproxyApiOptions
{
    /// <summary>
    /// The gate every upstream passes, at creation and at each change: loopback only unless replaced (the CLI
    /// puts the scanner's <c>--scope</c> check here), so an API can never be turned into a relay to a stranger.
    /// </summary>
    public UpstreamAuthorizer AuthorizeUpstream { get; init; } = LoopbackOnlyAsync;

    /// <summary>If set, receives the proxies' trace lines (one per socket call) and one per API change.</summary>
    public Action<string>? Trace { get; init; }

    /// <summary>The proxies' clock (impairment timers, session expiry).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>What GET /version answers.</summary>
    public string Version { get; init; } = typeof(ToxiproxyApi).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The default gate: loopback addresses and loopback names (RFC 6761), each address the name has checked.</summary>
    public static async ValueTask<IPAddress> LoopbackOnlyAsync(string host, int port, Transport? transport, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ScanAuthorization.CheckBeforeResolving(TargetSpec.Parse([host]), null, DateTimeOffset.UtcNow, "proxying to");
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return literal;
        }
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException e)
        {
            throw new ArgumentException($"cannot resolve {host} ({e.Message})", nameof(host), e);
        }
        ScanAuthorization.CheckResolved(host, addresses, null, DateTimeOffset.UtcNow, "proxying to");
        return addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault()
            ?? throw new ArgumentException($"{host} has no addresses", nameof(host));
    }
}
