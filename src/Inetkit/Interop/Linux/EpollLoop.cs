using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Inetkit.Threading;

namespace Inetkit.Interop.Linux;

/// <summary>
/// A thread blocked in an epoll set of its own, level-triggered, handing each ready descriptor to what watches it
/// (<see cref="IEpollReady"/>, found by the GCHandle in the event's data), with one receive buffer they share.
/// What other threads ask for (a stop, a timeout) it carries out itself, so that no descriptor is closed under a
/// call. The serve host's echo and discard connections and the proxy's relayed connections run on these.
/// </summary>
internal sealed unsafe class EpollLoop : IDisposable
{
    private const int MaxEvents = 64;

    // A watcher's epoll data is its GCHandle, never the waker's 0.
    private readonly EpollSet _set;
    private readonly byte* _buffer;
    private readonly Action<string> _log;
    private readonly ConcurrentQueue<IEpollReady> _ends = new();

    // Handles let go of during a batch: a later event of the same batch may still name one.
    private readonly List<GCHandle> _retired = [];
    private volatile bool _stopping;
    private int _threadId;

    // The thread has left its loop on a failure: ends are carried out by whoever asks for them.
    private volatile bool _broken;

    private EpollLoop(EpollSet set, string name, int bufferSize, Action<string> log)
    {
        _set = set;
        _log = log;
        BufferSize = bufferSize;
        _buffer = (byte*)NativeMemory.Alloc((nuint)bufferSize);
        _ = DedicatedThread.Start(name, Run);
    }

    /// <summary>The thread has left its loop on a failure: nothing new should be given to it.</summary>
    public bool Broken => _broken;

    /// <summary>The length of the buffer handed to <see cref="IEpollReady.OnReady"/>.</summary>
    public int BufferSize { get; }

    /// <summary>A started loop, or null if the kernel refuses an epoll set. <paramref name="log"/> hears of a failed wait.</summary>
    public static EpollLoop? TryStart(string name, int bufferSize, Action<string> log) =>
        EpollSet.TryCreate() is { } set ? new EpollLoop(set, name, bufferSize, log) : null;

    /// <summary>Watches <paramref name="fd"/> for <paramref name="events"/> (they may come at once, on the loop's thread); false if epoll refused it.</summary>
    public bool Add(int fd, uint events, GCHandle handle) => _set.Add(fd, events, (long)GCHandle.ToIntPtr(handle));

    /// <summary>Now waits for <paramref name="events"/> on a watched descriptor.</summary>
    public void Watch(int fd, uint events, GCHandle handle) => _set.Modify(fd, events, (long)GCHandle.ToIntPtr(handle));

    /// <summary>Takes the descriptor out of the set, before it is closed or handed on.</summary>
    public void Forget(int fd) => _set.Delete(fd);

    /// <summary>
    /// Frees a watcher's handle once no event of the batch being handled can name it: at once off the loop's
    /// thread, after the batch on it (closing one descriptor of a pair may come before the other's event).
    /// </summary>
    public void Free(GCHandle handle)
    {
        if (Environment.CurrentManagedThreadId == _threadId && !_broken)
        {
            _retired.Add(handle);
        }
        else
        {
            handle.Free();
        }
    }

    /// <summary>Asks the loop's thread to call <see cref="IEpollReady.OnEndAsked"/> (any thread).</summary>
    public void End(IEpollReady watcher)
    {
        _ends.Enqueue(watcher);
        _set.Wake();
        if (_broken)
        {
            EndAsked();
        }
    }

    // The loop never returns while its owner runs: tiered compilation would run it unoptimized until on-stack
    // replacement, through a fresh server's first second of load.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run()
    {
        _threadId = Environment.CurrentManagedThreadId;
        int size = LibC.EpollEventSize;
        byte* events = stackalloc byte[size * MaxEvents];
        while (!_stopping)
        {
            int ready = _set.Wait(events, MaxEvents);
            if (ready < 0)
            {
                // Only a fault of ours makes epoll_wait fail (a bad descriptor or buffer); the watchers must still end.
                _log($"epoll_wait failed: {Marshal.GetLastPInvokeErrorMessage()}; their ends are now carried out where they are asked for");
                FreeRetired();
                _broken = true;
                break;
            }
            for (int i = 0; i < ready; i++)
            {
                byte* evt = events + (i * size);
                long data = *(long*)(evt + LibC.EpollDataOffset);
                if (data == EpollSet.WakeData)
                {
                    _set.TakeWake();
                    continue;
                }
                var watcher = (IEpollReady)GCHandle.FromIntPtr((nint)data).Target!;
                try
                {
                    watcher.OnReady(*(uint*)evt, _buffer);
                }
                catch (Exception e)
                {
                    // Whatever fails must cost only this watcher, never the loop.
                    watcher.OnFailed(e);
                }
            }
            EndAsked();
            FreeRetired();
        }
        EndAsked();
        FreeRetired();
        Release();
    }

    private void EndAsked()
    {
        while (_ends.TryDequeue(out IEpollReady? ended))
        {
            try
            {
                ended.OnEndAsked();
            }
            catch (Exception e)
            {
                ended.OnFailed(e);
            }
        }
    }

    private void FreeRetired()
    {
        foreach (GCHandle handle in _retired)
        {
            handle.Free();
        }
        _retired.Clear();
    }

    // The thread and Dispose each let go once; whichever is last closes the descriptors. Dispose may run on this very
    // thread (the last connection of --once stops the server), so it never waits for the thread.
    private int _holders = 2;

    public void Dispose()
    {
        _stopping = true;
        _set.Wake();
        Release();
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
        {
            _set.Close();
            NativeMemory.Free(_buffer);
        }
    }
}
