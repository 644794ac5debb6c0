using System.Net;

namespace Inetkit.Cli;

/// <summary>What <c>inetkit scan</c> takes from the world, so that tests can hold it: name lookups, the clock, the audit log's place, and a hook at the moment scanning starts.</summary>
internal sealed record ScanEnvironment(Func<string, CancellationToken, Task<IPAddress[]>> Resolve, TimeProvider Time, string AuditLogPath)
{
    /// <summary>Called just before the first probe; tests of refusals use it to prove that no probe was ever sent.</summary>
    public Action? OnScanStarting { get; init; }

    /// <summary>The process environment (what a cluster engine tells each task: <c>--shard auto</c> reads it).</summary>
    public Func<string, string?> Variable { get; init; } = Environment.GetEnvironmentVariable;

    public static ScanEnvironment System => new(Dns.GetHostAddressesAsync, TimeProvider.System, DefaultAuditLogPath());

    /// <summary>$XDG_STATE_HOME/inetkit/scan-audit.log, else ~/.local/state/inetkit/scan-audit.log (LocalAppData on Windows).</summary>
    public static string DefaultAuditLogPath()
    {
        string? state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        string root = !string.IsNullOrEmpty(state) ? state
            : OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(root, "inetkit", "scan-audit.log");
    }
}
