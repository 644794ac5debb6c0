namespace Inetkit.Cli;

/// <summary>The exit codes of every inetkit command (documented in the README).</summary>
internal static class ExitCodes
{
    /// <summary>Done as asked.</summary>
    public const int Success = 0;

    /// <summary>Anything else: a port in use, a missing quotes file, an unexpected error.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: unknown service, port out of range, contradicting options.</summary>
    public const int Usage = 2;

    /// <summary>Clients: refused or unreachable (TCP RST, ICMP port unreachable, no route, name not found).</summary>
    public const int Unreachable = 3;

    /// <summary>Clients: no reply within the timeout (the seed's "No connection!").</summary>
    public const int Timeout = 4;

    /// <summary>Clients: wrong data (an echo that differs, a time reply that is not 4 bytes, a broken chargen pattern).</summary>
    public const int WrongData = 5;

    /// <summary>Scan: refused for want of authorization (no scope, a malformed or expired one, a target outside it, an audit log that cannot be written). Nothing was sent.</summary>
    public const int Refused = 5;

    /// <summary>Stopped by SIGINT (Ctrl+C) or SIGTERM before it was done, as shells count it (128 + 2).</summary>
    public const int Interrupted = 130;
}
