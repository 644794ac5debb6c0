using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Inetkit.Interop.Linux;
using Inetkit.Threading;

namespace Inetkit.Proxy.Internal;

/// <summary>
/// Linux: the server's replies for every session, on one thread blocked in epoll over the sessions' upstream
/// sockets (level-triggered): a ready socket's queued replies taken by one recvmmsg, and sent on to the client
/// by one sendmmsg on the listening socket, as the least relay in C does (bench/relays). It replaces an
/// asynchronous receive per session and per datagram. Each reply still goes through its session's impairment,
/// counts and trace one at a time; this thread is the only user of a session's downward path, and retires it.
/// </summary>
internal sealed class UdpDownRelay : IAsyncDisposable
{
    private const int Batch = 32;
    private const int MaxEvents = 64;

    // The epoll data of the eventfd that wakes the thread; sessions are numbered from 1.
    private const long WakeId = 0;

    private readonly Socket _listener;
    private readonly int _epoll;
    private readonly int _wake;
    private readonly ConcurrentDictionary<long, UdpSession> _sessions = new();
    private readonly ConcurrentQueue<UdpSession> _ended = new();
    private readonly DatagramBatch _received = new(Batch);
    private readonly DatagramBatch _replies = new(Batch);
    private readonly Task _loop;
    private long _lastId;
    private volatile bool _stopping;

    private UdpDownRelay(Socket listener, int epoll, int wake)
    {
        _listener = listener;
        _epoll = epoll;
        _wake = wake;
        Watch(_wake, WakeId);
        _loop = DedicatedThread.Start($"inetkit proxy udp replies {listener.LocalEndPoint}", Run);
    }

    /// <summary>A relay where batches work (Linux) and the kernel gives the descriptors; null otherwise, and sessions receive on their own.</summary>
    public static UdpDownRelay? TryStart(Socket listener)
    {
        if (!DatagramBatch.IsSupported)
        {
            return null;
        }
        int epoll = LibC.EpollCreate1(LibC.EpollCloExec);
        if (epoll < 0)
        {
            return null;
        }
        int wake = LibC.EventFd(0, LibC.EfdNonBlock | LibC.EfdCloExec);
        if (wake < 0)
        {
            LibC.Close(epoll);
            return null;
        }
        return new UdpDownRelay(listener, epoll, wake);
    }

    /// <summary>Starts relaying <paramref name="session"/>'s replies; false if epoll refused it (the session then receives on its own).</summary>
    public bool Add(UdpSession session, Socket upstream)
    {
        long id = Interlocked.Increment(ref _lastId);
        session.DownId = id;
        _sessions[id] = session;
        if (!Watch((int)upstream.SafeHandle.DangerousGetHandle(), id))
        {
            _sessions.TryRemove(id, out _);
            session.DownId = 0;
            return false;
        }
        return true;
    }

    /// <summary>The session has ended (its socket is closed, which takes it out of epoll): its downward path is retired on the thread that uses it.</summary>
    public void Remove(UdpSession session)
    {
        if (_sessions.TryRemove(session.DownId, out _))
        {
            _ended.Enqueue(session);
            Wake();
        }
    }

    private bool Watch(int fd, long id) => LibC.EpollAdd(_epoll, fd, LibC.EpollIn, id) == 0;

    private unsafe void Wake()
    {
        long one = 1;
        LibC.Write(_wake, &one, sizeof(long));
    }

    private unsafe void Run()
    {
        int size = LibC.EpollEventSize;
        byte* events = stackalloc byte[size * MaxEvents];
        while (!_stopping)
        {
            int ready = LibC.EpollWait(_epoll, events, MaxEvents, -1);
            if (ready < 0)
            {
                if (Marshal.GetLastPInvokeError() == LibC.EIntr)
                {
                    continue;
                }
                break;
            }
            for (int i = 0; i < ready; i++)
            {
                long id = *(long*)(events + (i * size) + LibC.EpollDataOffset);
                if (id == WakeId)
                {
                    long count;
                    LibC.Read(_wake, &count, sizeof(long));
                }
                else if (_sessions.TryGetValue(id, out UdpSession? session))
                {
                    session.RelayDown(_received, _replies, _listener);
                }
            }
            RetireEnded();
        }
        RetireEnded();
    }

    private void RetireEnded()
    {
        while (_ended.TryDequeue(out UdpSession? session))
        {
            session.RetireDown();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        Wake();
        await _loop;
        foreach (UdpSession session in _sessions.Values)
        {
            session.RetireDown();
        }
        _sessions.Clear();
        LibC.Close(_wake);
        LibC.Close(_epoll);
        _received.Dispose();
        _replies.Dispose();
    }
}
