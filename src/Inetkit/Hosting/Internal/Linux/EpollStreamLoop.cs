using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Inetkit.Interop.Linux;
using Inetkit.Threading;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal.Linux;

/// <summary>
/// One thread of <see cref="EpollStreams"/>: its epoll set, the receive buffer its connections share (a
/// connection holds a buffer only while the client is slower than its own echo), and the ends asked for by other
/// threads (the idle timeout, the stop), which it carries out itself so that no descriptor is closed under a call.
/// </summary>
internal sealed unsafe class EpollStreamLoop : IDisposable
{
    // As the stream path's echo reads (EchoService): the most a connection keeps back for a client that does not
    // read is one such buffer, and the kernel's buffers hold the rest.
    public const int BufferSize = 16 * 1024;
    private const int MaxEvents = 64;

    private readonly HostContext _host;

    // A connection's epoll data is its GCHandle, never the waker's 0.
    private readonly EpollSet _set;
    private readonly byte* _buffer;
    private readonly ConcurrentQueue<EpollStreamConnection> _ends = new();
    private volatile bool _stopping;

    // The thread has left its loop on a failure: ends are carried out by whoever asks for them.
    private volatile bool _broken;

    private EpollStreamLoop(HostContext host, EpollSet set, int index)
    {
        _host = host;
        _set = set;
        _buffer = (byte*)NativeMemory.Alloc(BufferSize);
        _ = DedicatedThread.Start($"inetkit tcp streams {index}", Run);
    }

    public static EpollStreamLoop? TryStart(HostContext host, int index) =>
        EpollSet.TryCreate() is { } set ? new EpollStreamLoop(host, set, index) : null;

    /// <summary>Watches the connection for input (its events may come at once, on this loop's thread); false if epoll refused it.</summary>
    public bool Add(EpollStreamConnection connection)
    {
        GCHandle handle = GCHandle.Alloc(connection);
        connection.Attach(this, handle);
        if (!_set.Add(connection.Fd, EpollStreamConnection.Reading, (long)GCHandle.ToIntPtr(handle)))
        {
            handle.Free();
            connection.Attach(this, default);
            return false;
        }
        return true;
    }

    /// <summary>Now waits for <paramref name="events"/> on the connection (from this loop's thread).</summary>
    public void Watch(EpollStreamConnection connection, uint events, GCHandle handle) =>
        _set.Modify(connection.Fd, events, (long)GCHandle.ToIntPtr(handle));

    /// <summary>Takes the connection out of the set before its descriptor is closed (from this loop's thread, or a broken loop's asker).</summary>
    public void Forget(EpollStreamConnection connection) => _set.Delete(connection.Fd);

    /// <summary>Asks this loop's thread to end the connection (any thread).</summary>
    public void End(EpollStreamConnection connection)
    {
        _ends.Enqueue(connection);
        _set.Wake();
        if (_broken)
        {
            EndAsked();
        }
    }

    // The loop never returns while the server runs: tiered compilation would run it unoptimized until on-stack
    // replacement, through a fresh server's first second of load.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run()
    {
        int size = LibC.EpollEventSize;
        byte* events = stackalloc byte[size * MaxEvents];
        while (!_stopping)
        {
            int ready = _set.Wait(events, MaxEvents);
            if (ready < 0)
            {
                // Only a fault of ours makes epoll_wait fail (a bad descriptor or buffer); the connections must still end.
                _host.ErrorLog.Log(LogLevel.Error, $"tcp connections: epoll_wait failed: {Marshal.GetLastPInvokeErrorMessage()}; their ends are now carried out where they are asked for");
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
                // A connection closes itself only on its own event, and each descriptor comes once a wait: the
                // handle of every event of this batch is still allocated here. The asked-for ends wait until after it.
                var connection = (EpollStreamConnection)GCHandle.FromIntPtr((nint)data).Target!;
                try
                {
                    connection.OnReady(*(uint*)evt, _buffer);
                }
                catch (Exception e)
                {
                    // Nothing of a service runs here, but whatever fails must cost only this connection, never the loop.
                    _host.ErrorLog.Log(LogLevel.Error, $"tcp connection from {connection.Address} failed: {e.GetType().Name}: {e.Message}");
                    connection.Fail();
                }
            }
            EndAsked();
        }
        EndAsked();
        Release();
    }

    private void EndAsked()
    {
        while (_ends.TryDequeue(out EpollStreamConnection? ended))
        {
            ended.OnEndAsked();
        }
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
