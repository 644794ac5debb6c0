using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Inetkit.Interop.Linux;

namespace Inetkit.Exec.Internal;

/// <summary>
/// The one thread that reaps the exec services' children: blocked in epoll_wait on every live child's pidfd, it
/// wakes when one exits, hands it to <see cref="ChildProcess.Reap"/>, and a second later sends SIGKILL to what may
/// be left of that child's process group. Started on the first spawn, it runs for the life of the process.
/// It waits for its own children only, by pidfd, never with waitpid(-1): other code in the process (the .NET
/// Process class, tests) reaps its own.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class Reaper
{
    /// <summary>
    /// How long the rest of a group has, after the SIGTERM that its leader's exit brings, before SIGKILL: leftovers
    /// that ignore SIGTERM die too, as systemd's KillMode=control-group would have them, scoped to a group.
    /// </summary>
    public static readonly TimeSpan LeftoverGrace = TimeSpan.FromSeconds(1);

    private const int MaxEvents = 64;

    private static readonly Lock StartGate = new();

    private static Reaper? _shared;

    private readonly int _epoll;

    // Keyed by pid, which names one live child until it is reaped (and the epoll data carries it).
    private readonly ConcurrentDictionary<int, ChildProcess> _children = new();

    // Only the reaper thread touches it. One grace for all, so the queue is in deadline order.
    private readonly Queue<(long Deadline, int ProcessGroup)> _leftovers = new();

    private Reaper(int epoll)
    {
        _epoll = epoll;
        // Not DedicatedThread: a failure here would leave every child unreaped and every Exited pending, so it
        // must take the process down loudly rather than fault a task nobody awaits.
        var thread = new Thread(Run) { IsBackground = true, Name = "inetkit reaper" };
        thread.Start();
    }

    /// <summary>
    /// Watches <paramref name="child"/>'s pidfd, starting the reaper on first use; returns 0, or the error number
    /// if the kernel refused (out of descriptors or memory), in which case a later call tries again. epoll_ctl is
    /// safe from any thread while the reaper waits, so no wake-up descriptor is needed.
    /// </summary>
    public static int Watch(ChildProcess child, int pidfd)
    {
        Reaper? reaper = Volatile.Read(ref _shared);
        if (reaper is null)
        {
            lock (StartGate)
            {
                if (_shared is null)
                {
                    int epoll = LibC.EpollCreate1(LibC.EpollCloExec);
                    if (epoll < 0)
                    {
                        return Marshal.GetLastPInvokeError();
                    }
                    Volatile.Write(ref _shared, new Reaper(epoll));
                }
                reaper = _shared;
            }
        }
        return reaper.Add(child, pidfd);
    }

    private int Add(ChildProcess child, int pidfd)
    {
        // In the table before epoll can report it, so the reaper always finds it.
        _children[child.Pid] = child;
        // One-shot: a pidfd stays readable, and a child's exit is to be handled once.
        if (LibC.EpollAdd(_epoll, pidfd, LibC.EpollIn | LibC.EpollOneShot, child.Pid) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _children.TryRemove(child.Pid, out _);
            return errno;
        }
        return 0;
    }

    private void Run()
    {
        int size = LibC.EpollEventSize;
        byte* events = stackalloc byte[MaxEvents * size];
        while (true)
        {
            int ready = LibC.EpollWait(_epoll, events, MaxEvents, TimeoutMilliseconds());
            if (ready < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EIntr)
                {
                    continue;
                }
                throw new IOException($"the reaper's epoll_wait failed: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
            for (int i = 0; i < ready; i++)
            {
                int pid = (int)*(long*)(events + (i * size) + LibC.EpollDataOffset);
                if (_children.TryRemove(pid, out ChildProcess? child))
                {
                    child.Reap();
                    _leftovers.Enqueue((Stopwatch.GetTimestamp() + (long)(LeftoverGrace.TotalSeconds * Stopwatch.Frequency), pid));
                }
            }
            KillLeftovers();
        }
    }

    /// <summary>
    /// The group's id is free for reuse once its last member is gone, and the delayed SIGKILL cannot know that
    /// moment. It rests on the kernel handing out pids in turn: for the number to lead another group within the
    /// grace, every other free pid would have to be taken first. A live child of ours that got the number is
    /// spared by name.
    /// </summary>
    private void KillLeftovers()
    {
        long now = Stopwatch.GetTimestamp();
        while (_leftovers.TryPeek(out var next) && next.Deadline <= now)
        {
            _leftovers.Dequeue();
            if (!_children.ContainsKey(next.ProcessGroup))
            {
                // ESRCH, the usual answer (the group is empty), needs nothing done.
                LibC.Kill(-next.ProcessGroup, LibC.SigKill);
            }
        }
    }

    private int TimeoutMilliseconds()
    {
        if (!_leftovers.TryPeek(out var next))
        {
            return -1;
        }
        long ticks = next.Deadline - Stopwatch.GetTimestamp();
        return ticks <= 0 ? 0 : (int)Math.Ceiling(ticks * 1000.0 / Stopwatch.Frequency);
    }
}
