using System.Net;

namespace Inetkit.Scanning;

/// <summary>A scan refused for want of written authorization; nothing was sent. The message says why and repeats the seed's warning.</summary>
public sealed class UnauthorizedScanException(string reason)
    : Exception($"{reason}. {ScanAuthorization.Warning}")
{
    /// <summary>Why, without the warning.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// The rule no other scanner enforces: loopback (127.0.0.0/8, ::1) is always allowed; anything else needs a scope
/// file that has not expired and covers every target. Host names are checked by name before they are resolved,
/// and every address they resolve to is checked again. The check runs before any socket exists.
/// </summary>
public static class ScanAuthorization
{
    /// <summary>The seed note's warning, repeated with every refusal.</summary>
    public const string Warning = "Never perform a port scan unless you have written explicit instruction from the network owners to do so (--scope FILE)";

    /// <summary>
    /// Names that always mean this machine (RFC 6761), and so may be resolved without a scope: the hosts file answers,
    /// and what they resolve to is checked like any address.
    /// </summary>
    public static bool IsLoopbackName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string n = name.TrimEnd('.').ToLowerInvariant();
        return n == "localhost" || n.EndsWith(".localhost", StringComparison.Ordinal);
    }

    /// <summary>Checks address ranges and host names (by name) before anything is resolved or sent.</summary>
    /// <exception cref="UnauthorizedScanException">A target outside loopback with no scope, an expired scope, or a target outside the scope.</exception>
    public static void CheckBeforeResolving(TargetSpec targets, ScanScope? scope, DateTimeOffset now, string activity = "scanning")
    {
        ArgumentNullException.ThrowIfNull(targets);
        foreach (AddressRange range in targets.Ranges)
        {
            if (!IsLoopback(range))
            {
                RequireScope(scope, now, range.ToString(), activity);
                if (!scope!.Covers(range))
                {
                    throw new UnauthorizedScanException($"{range} is outside the scope of {scope.Reference} (authorized by {scope.AuthorizedBy})");
                }
            }
        }
        foreach (string name in targets.HostNames)
        {
            if (IsLoopbackName(name))
            {
                continue;
            }
            RequireScope(scope, now, name, activity);
            if (!scope!.CoversName(name))
            {
                throw new UnauthorizedScanException($"{name} is not named in the scope of {scope.Reference}; list it there by name");
            }
        }
    }

    /// <summary>Checks what a host name resolved to: each address must be loopback or inside the scope.</summary>
    /// <exception cref="UnauthorizedScanException">An address outside both.</exception>
    public static void CheckResolved(string name, IEnumerable<IPAddress> addresses, ScanScope? scope, DateTimeOffset now, string activity = "scanning")
    {
        ArgumentNullException.ThrowIfNull(addresses);
        foreach (IPAddress address in addresses)
        {
            if (ScanScope.IsLoopback(address))
            {
                continue;
            }
            RequireScope(scope, now, $"{name} ({address})", activity);
            if (!scope!.Covers(address))
            {
                throw new UnauthorizedScanException($"{name} resolves to {address}, which is outside the scope of {scope.Reference}");
            }
        }
    }

    private static bool IsLoopback(AddressRange range) =>
        range.Family == System.Net.Sockets.AddressFamily.InterNetwork
            ? range.First >> 24 == 127 && range.Last >> 24 == 127
            : range.First == UInt128.One && range.Last == UInt128.One;

    private static void RequireScope(ScanScope? scope, DateTimeOffset now, string target, string activity)
    {
        if (scope is null)
        {
            throw new UnauthorizedScanException($"{target} is not loopback, and no --scope file authorizes {activity} it");
        }
        if (scope.IsExpired(now))
        {
            throw new UnauthorizedScanException($"the scope {scope.Reference} expired on {scope.Expires:yyyy-MM-dd}");
        }
    }
}
