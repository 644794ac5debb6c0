namespace Inetkit.Exec;

/// <summary>
/// A program of the user's served as inetd serves one ("nowait"): a process per TCP connection, whose stdin and
/// stdout are the connection's socket itself, or a process per UDP datagram, which gets the datagram on stdin and
/// whose stdout, when it exits, is the one reply. No shell is involved: <see cref="Argv"/> is the argument vector.
/// </summary>
public sealed record ExecProgram
{
    /// <summary>The program and its arguments; <c>Argv[0]</c> is looked up on the child's PATH when it has no slash.</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>The program's working directory; <c>/</c> by default, as inetd's.</summary>
    public string WorkingDirectory { get; init; } = "/";

    /// <summary>
    /// Names of our environment variables passed on (<c>NAME</c>), or set (<c>NAME=VALUE</c>), beyond the fixed
    /// minimal environment (PATH, LANG=C.UTF-8, ucspi-tcp's PROTO, TCPREMOTEIP... and INETKIT_SERVICE).
    /// </summary>
    public IReadOnlyList<string> PassEnvironment { get; init; } = [];

    /// <summary>Processes of this service at once; a client over it is refused at once, a datagram dropped and counted.</summary>
    public int Instances { get; init; } = DefaultInstances;

    /// <summary>
    /// The default <see cref="Instances"/>: 60. xinetd's own default is unlimited (Debian's xinetd.conf sets none);
    /// a bound is safer, and this one sits near upstream xinetd's sample (50) and openSUSE's (30) with room for a class.
    /// </summary>
    public const int DefaultInstances = 60;

    /// <summary>A process still running after this long gets SIGTERM, and SIGKILL a second later (its whole process group). Null: no limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// The user the program runs as (a name or a number). Null: as we run, except that a server running as root runs
    /// its programs as <c>nobody</c>, so that no program runs as root unless <c>root</c> is asked for by name.
    /// </summary>
    public string? User { get; init; }

    /// <summary>The group; null: the user's primary group.</summary>
    public string? Group { get; init; }

    /// <summary>Finds the program and looks up its user as a start would, so that a configuration can be refused before anything is bound.</summary>
    /// <exception cref="ArgumentException">The program is not found or not executable, the working directory or the user does not exist, or another user is asked for without root.</exception>
    /// <exception cref="PlatformNotSupportedException">Not Linux.</exception>
    public void Validate() => _ = ResolvedProgram.Resolve(this);

    /// <summary>Where <paramref name="program"/> is: as given if it has a slash, else on the programs' fixed PATH.</summary>
    /// <exception cref="ArgumentException">Not found or not executable.</exception>
    /// <exception cref="PlatformNotSupportedException">Not Linux.</exception>
    public static string Find(string program) => OperatingSystem.IsLinux()
        ? ProgramPath.Resolve(program, ResolvedProgram.SearchPath)
        : throw new PlatformNotSupportedException("program services need Linux (posix_spawn with pidfd_open)");
}
