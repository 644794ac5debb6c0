using System.Net;
using System.Net.Sockets;
using Inetkit.Scanning;

namespace Inetkit.Cli;

/// <summary>
/// The one gate for every command that sends traffic somewhere (scan has its own nmap-style resolution in front of
/// the same checks): loopback free; anything else only inside a signed-off scope, checked by name before any lookup,
/// then by every address the name has, and recorded in the audit log before the first socket.
/// </summary>
internal static class TrafficGate
{
    /// <summary>
    /// The address to use for each host (IPv4 first), once every host is allowed and, beyond loopback, recorded.
    /// </summary>
    /// <exception cref="UnauthorizedScanException">A host is outside the scope, or there is none; nothing was sent.</exception>
    public static async Task<IPAddress[]> AuthorizeAsync(
        IReadOnlyList<string> hosts, string? scopePath, ScanEnvironment environment, string activity, string command,
        string auditLog, IEnumerable<string> recordedTargets, string ports, Func<string, Exception> inputError, CancellationToken cancellationToken)
    {
        ScanScope? scope = scopePath is null ? null : ScanScope.Load(scopePath);
        DateTimeOffset now = environment.Time.GetUtcNow();
        ScanAuthorization.CheckBeforeResolving(TargetSpec.Parse(hosts), scope, now, activity);
        var addresses = new IPAddress[hosts.Count];
        for (int i = 0; i < hosts.Count; i++)
        {
            addresses[i] = await ResolveAsync(hosts[i], scope, now, environment, activity, inputError, cancellationToken);
        }
        if (!addresses.All(ScanScope.IsLoopback))
        {
            try
            {
                ScanAuditLog.Append(auditLog, now, recordedTargets, ports, scope!, command);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UnauthorizedScanException($"the audit log {auditLog} cannot be written ({e.Message}), and a {command} beyond loopback must not run unrecorded; fix it or choose another with --audit-log");
            }
        }
        return addresses;
    }

    private static async Task<IPAddress> ResolveAsync(string host, ScanScope? scope, DateTimeOffset now, ScanEnvironment environment, string activity, Func<string, Exception> inputError, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return literal;
        }
        IPAddress[] addresses;
        try
        {
            addresses = await environment.Resolve(host, cancellationToken);
        }
        catch (SocketException e)
        {
            throw inputError($"cannot resolve {host} ({e.Message}); check the spelling or give an address");
        }
        // Every address the name has must be allowed, not only the one used: the next lookup may answer another.
        ScanAuthorization.CheckResolved(host, addresses, scope, now, activity);
        return addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault()
            ?? throw inputError($"{host} has no addresses");
    }
}
