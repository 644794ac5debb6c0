using Inetkit.Interop.Linux;

namespace Inetkit.Exec;

/// <summary>
/// How a child ended: an exit code, or the signal that killed it, or neither when someone else reaped it first
/// (see <see cref="ChildProcess"/>). <see cref="Duration"/> runs from just before the spawn to the reap.
/// </summary>
internal readonly record struct ChildExit(int? ExitCode, int? Signal, TimeSpan Duration)
{
    /// <summary>Names the common signals, else gives the number.</summary>
    public static string SignalName(int signal) => signal switch
    {
        LibC.SigHup => "SIGHUP",
        LibC.SigInt => "SIGINT",
        LibC.SigAbrt => "SIGABRT",
        LibC.SigKill => "SIGKILL",
        LibC.SigSegv => "SIGSEGV",
        LibC.SigPipe => "SIGPIPE",
        LibC.SigTerm => "SIGTERM",
        _ => $"signal {signal}",
    };

    /// <summary>How it ended, as the connection log says it: <c>exit(0)</c>, <c>SIGKILL</c>, <c>unknown</c>.</summary>
    public string Brief => ExitCode is { } code ? $"exit({code})" : Signal is { } signal ? SignalName(signal) : "unknown";

    /// <summary><c>exit(0) after 12 ms</c>, <c>killed by SIGKILL after 1,003 ms</c>.</summary>
    public override string ToString()
    {
        string after = $"after {(long)Duration.TotalMilliseconds:N0} ms";
        return (ExitCode, Signal) switch
        {
            (int code, _) => $"exit({code}) {after}",
            (_, int signal) => $"killed by {SignalName(signal)} {after}",
            _ => $"exit status unknown {after}",
        };
    }
}
