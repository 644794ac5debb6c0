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
}
