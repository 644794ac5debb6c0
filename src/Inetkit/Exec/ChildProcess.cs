using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Inetkit.Exec.Internal;
using Inetkit.Interop.Linux;

namespace Inetkit.Exec;

/// <summary>
/// An exec service's program, run for one connection or datagram (Linux only). Not System.Diagnostics.Process:
/// that cannot put a socket on the child's stdin and stdout, nor make it a process-group leader.
/// <para>
/// The child leads its own process group, and signals go to the whole group. When the child exits, the rest of
/// its group gets SIGTERM at once and SIGKILL a second later (<see cref="Reaper"/>), so helpers it started in the
/// background do not outlive it. A grandchild that calls setsid() leaves the group and escapes that; only a cgroup
/// would hold it (the systemd unit's).
/// </para>
/// <para>
/// All members are safe to call from any thread and after the exit: no signal is sent once the child is reaped,
/// when its pid (and group id) may name another process. The child is reaped by pidfd on one shared thread,
/// never with waitpid(-1); but if this process was started with SIGCHLD ignored, the .NET runtime emulates that
/// by reaping every child itself, and <see cref="Exited"/> then reports an unknown status.
/// </para>
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class ChildProcess : IDisposable
{
    private readonly Lock _gate = new();
    private readonly int _pidfd;
    private readonly TaskCompletionSource<ChildExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _reaped;

    private ChildProcess(int pid, int pidfd, long startTimestamp)
    {
        Pid = pid;
        _pidfd = pidfd;
        StartTimestamp = startTimestamp;
    }

    /// <summary>The child's pid, which is also its process group's id.</summary>
    public int Pid { get; }

    /// <summary>A <see cref="Stopwatch"/> timestamp taken just before the spawn.</summary>
    public long StartTimestamp { get; }

    /// <summary>Completes (asynchronously, never on the reaper thread) once the child has exited and been reaped; never faults.</summary>
    public Task<ChildExit> Exited => _exited.Task;

    /// <summary>
    /// Starts <paramref name="request"/>'s program. Returns once it runs: glibc's posix_spawn waits for the exec, so
    /// an exec failure is thrown here as <see cref="ExecFailedException"/>. A bad request (an empty argv, a NUL in
    /// a string, an unusable descriptor) throws <see cref="ArgumentException"/>. The request's descriptors are
    /// cleared of O_NONBLOCK (programs expect blocking standard descriptors) and stay the caller's to close,
    /// which it should do at once: the connection ends only when every copy is closed.
    /// </summary>
    public static ChildProcess Spawn(SpawnRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Path.IsPathFullyQualified(request.Path))
        {
            throw new ArgumentException($"program path '{request.Path}' is not absolute");
        }
        if (request.Argv.Count == 0)
        {
            throw new ArgumentException("argv needs at least argv[0]");
        }
        if (!Directory.Exists(request.WorkingDirectory))
        {
            // posix_spawn would fail with ENOENT, which reads as if the program were missing.
            throw new ExecFailedException(request.Path, LibC.ENoEnt, $"working directory {request.WorkingDirectory} does not exist");
        }

        string path = request.Path;
        IReadOnlyList<string> argv = request.Argv;
        if (request.Credentials is { } credentials)
        {
            // posix_spawn cannot change credentials; setpriv does, then execs the program in place.
            path = ProcessCredentials.SetprivPath ?? throw new ArgumentException($"switching to user {credentials.UserName} needs setpriv (util-linux) on PATH");
            argv = ["setpriv", .. credentials.SetprivOptions(), "--", request.Path, .. request.Argv.Skip(1)];
        }

        using var nativeArgv = new NativeStringArray(argv, "an argument");
        using var nativeEnvironment = new NativeStringArray(EnvironmentStrings(request.Environment), "an environment entry");
        long start = Stopwatch.GetTimestamp();
        int error = PosixSpawn.Run(path, nativeArgv, nativeEnvironment, request.StdinFd, request.StdoutFd, request.StderrFd, request.WorkingDirectory, out int pid);
        if (error != 0)
        {
            throw new ExecFailedException(path, error);
        }
        return Watch(pid, path, start);
    }

    /// <summary>SIGTERM to the child's group, unless it has been reaped.</summary>
    public void Terminate() => SignalGroup(LibC.SigTerm);

    /// <summary>SIGKILL to the child's group, unless it has been reaped.</summary>
    public void Kill() => SignalGroup(LibC.SigKill);

    /// <summary>
    /// SIGTERM to the group, SIGKILL once <paramref name="grace"/> has passed without an exit; completes when the
    /// child is reaped. Cancelling cuts the grace short: SIGKILL at once, then <see cref="OperationCanceledException"/>
    /// without waiting for the reap.
    /// </summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        if (Exited.IsCompleted)
        {
            return;
        }
        Terminate();
        try
        {
            await Exited.WaitAsync(grace, cancellationToken);
            return;
        }
        catch (TimeoutException)
        {
            // Still running after the grace: killed below.
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw;
        }
        Kill();
        await Exited.WaitAsync(cancellationToken);
    }

    /// <summary>Kills the group if the child still runs, so that no child is left without an owner; the reap still follows.</summary>
    public void Dispose() => Kill();

    /// <summary>
    /// Called by the reaper thread once the pidfd is readable: the child has exited and is a zombie. Its group
    /// gets SIGTERM before the reap, while the zombie still holds the group's id, so the id cannot have been
    /// given to another group yet.
    /// </summary>
    internal unsafe void Reap()
    {
        byte* info = stackalloc byte[LibC.SigInfoSize];
        new Span<byte>(info, LibC.SigInfoSize).Clear();
        int result;
        lock (_gate)
        {
            // ESRCH cannot happen (the zombie is a member); EPERM, a member we may not signal, leaves nothing to do.
            LibC.Kill(-Pid, LibC.SigTerm);
            result = WaitFor(info);
            _reaped = true;
        }
        LibC.Close(_pidfd);
        TimeSpan duration = Stopwatch.GetElapsedTime(StartTimestamp);
        int code = *(int*)(info + LibC.SigInfoCodeOffset);
        int status = *(int*)(info + LibC.SigInfoStatusOffset);
        _exited.TrySetResult(result != 0 ? new ChildExit(null, null, duration) : code switch
        {
            LibC.CldExited => new ChildExit(status, null, duration),
            LibC.CldKilled or LibC.CldDumped => new ChildExit(null, status, duration),
            _ => new ChildExit(null, null, duration),
        });
    }

    private unsafe int WaitFor(byte* info)
    {
        int idType = LibC.PPidFd;
        int id = _pidfd;
        while (true)
        {
            // Blocking, but never for long: the pidfd is readable only once the child is a zombie.
            if (LibC.WaitId(idType, id, info, LibC.WExited) == 0)
            {
                return 0;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EIntr)
            {
                continue;
            }
            if (errno == LibC.EInval && idType == LibC.PPidFd)
            {
                // Linux 5.3 has pidfd_open but not P_PIDFD; the pid is as exact, since it is still unreaped.
                idType = LibC.PPid;
                id = Pid;
                continue;
            }
            // ECHILD: someone else reaped it (see the class notes).
            return errno;
        }
    }

    private static unsafe ChildProcess Watch(int pid, string path, long start)
    {
        // Safe straight after the spawn: an unreaped child's pid cannot be reused.
        int pidfd = (int)LibC.Syscall(LibC.SysPidFdOpen, pid, 0);
        int errno = pidfd < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (pidfd >= 0)
        {
            var child = new ChildProcess(pid, pidfd, start);
            errno = Reaper.Watch(child, pidfd);
            if (errno == 0)
            {
                return child;
            }
            LibC.Close(pidfd);
        }
        // Unwatched, it would never be reaped: kill it and reap it here, where the wait is short.
        LibC.Kill(-pid, LibC.SigKill);
        byte* info = stackalloc byte[LibC.SigInfoSize];
        while (LibC.WaitId(LibC.PPid, pid, info, LibC.WExited) != 0 && Marshal.GetLastPInvokeError() == LibC.EIntr)
        {
        }
        throw new ExecFailedException(path, errno, $"cannot watch the child: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    private void SignalGroup(int signal)
    {
        lock (_gate)
        {
            if (!_reaped)
            {
                // ESRCH: the group is gone. EPERM: a member we may not signal (a setuid program). Nothing to do for either.
                LibC.Kill(-Pid, signal);
            }
        }
    }

    private static List<string> EnvironmentStrings(IReadOnlyDictionary<string, string> environment)
    {
        var strings = new List<string>(environment.Count);
        foreach ((string name, string value) in environment)
        {
            if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal))
            {
                throw new ArgumentException($"environment name '{name}' is empty or holds '='");
            }
            strings.Add(name + "=" + value);
        }
        return strings;
    }
}
