namespace Inetkit.Exec;

/// <summary>
/// A program as it will be started: its path found, the user it runs as looked up. Done when the configuration is
/// taken (at start and at a reload), so that a missing program or user is an error then, not at the first client.
/// </summary>
internal sealed record ResolvedProgram(ExecProgram Program, string Path, ProcessCredentials? Credentials)
{
    /// <summary>The PATH a program is found on and given: the fixed minimal environment's.</summary>
    public const string SearchPath = "/usr/local/bin:/usr/bin:/bin";

    /// <summary>Finds the program and the user.</summary>
    /// <exception cref="ArgumentException">Not found, not executable, no such user, or a user asked for that only root could switch to.</exception>
    /// <exception cref="PlatformNotSupportedException">Not Linux.</exception>
    public static ResolvedProgram Resolve(ExecProgram program)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("program services need Linux (posix_spawn with pidfd_open)");
        }
        string path = ProgramPath.Resolve(program.Argv[0], SearchPath);
        if (!Directory.Exists(program.WorkingDirectory))
        {
            throw new ArgumentException($"working directory '{program.WorkingDirectory}' does not exist");
        }
        return new ResolvedProgram(program, path, CredentialsFor(program));
    }

    /// <summary>
    /// Root switches to the user asked for, and to nobody when none is: no program runs as root unless "root" is
    /// asked for by name. Anyone else runs programs as themselves, and asking for another user is an error.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static ProcessCredentials? CredentialsFor(ExecProgram program)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            if (program.User is null && program.Group is null)
            {
                return null;
            }
            ProcessCredentials asked = ProcessCredentials.Lookup(program.User ?? Environment.UserName, program.Group);
            ProcessCredentials self = ProcessCredentials.Lookup(Environment.UserName, null);
            if (asked.Uid != self.Uid || (program.Group is not null && asked.Gid != self.Gid))
            {
                throw new ArgumentException($"running the program as {program.User ?? Environment.UserName}{(program.Group is null ? "" : ":" + program.Group)} needs serve to run as root");
            }
            return null;
        }
        if (program.User is "root" or "0" && program.Group is null)
        {
            return null;
        }
        return ProcessCredentials.Lookup(program.User ?? "nobody", program.Group);
    }

    /// <summary>The argument vector as a trace shows it: <c>python3 qotd.py</c>.</summary>
    public string Display => string.Join(' ', Program.Argv.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));
}
