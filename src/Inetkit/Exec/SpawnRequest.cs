namespace Inetkit.Exec;

/// <summary>
/// What <see cref="ChildProcess.Spawn"/> runs. <paramref name="Path"/> is absolute and already resolved
/// (<see cref="ProgramPath.Resolve"/>); <paramref name="Argv"/> starts with argv[0] and is passed as is, no shell.
/// <paramref name="Environment"/> is the child's whole environment (<see cref="ChildEnvironment.Build"/>).
/// The descriptors become the child's 0, 1 and 2 (the same one may be given for stdin and stdout, as an accepted
/// socket is); a null <paramref name="StderrFd"/> gives it /dev/null. They stay the caller's: Spawn closes none.
/// </summary>
internal sealed record SpawnRequest(
    string Path,
    IReadOnlyList<string> Argv,
    IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory,
    int StdinFd,
    int StdoutFd,
    int? StderrFd,
    ProcessCredentials? Credentials);
