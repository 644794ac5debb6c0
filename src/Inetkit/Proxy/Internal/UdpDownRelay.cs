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

    private readonly Socket _listener;

    // Sessions are numbered from 1: 0 is the waker's.
    private readonly EpollSet _set;
    private readonly ConcurrentDictionary<long, UdpSession> _sessions = new();
    private readonly ConcurrentQueue<UdpSession> _ended = new();
    private readonly DatagramBatch _received = new(Batch);
    private readonly DatagramBatch _replies = new(Batch);
    private readonly Task _loop;
    private long _lastId;
    private volatile bool _stopping;

    private UdpDownRelay(Socket listener, EpollSet set)
    {
        _listener = listener;
        _set = set;
        _loop = DedicatedThread.Start($"inetkit proxy udp replies {listener.LocalEndPoint}", Run);
    }

    /// <summary>A relay where batches work (Linux) and the kernel gives the descriptors; null otherwise, and sessions receive on their own.</summary>
    public static UdpDownRelay? TryStart(Socket listener)
    {
        return DatagramBatch.IsSupported && EpollSet.TryCreate() is { } set ? new UdpDownRelay(listener, set) : null;
    }

    /// <summary>Starts relaying <paramref name="session"/>'s replies; false if epoll refused it (the session then receives on its own).</summary>
    public bool Add(UdpSession session, Socket upstream)
    {
        long id = Interlocked.Increment(ref _lastId);
        session.DownId = id;
        _sessions[id] = session;
        if (!_set.Add((int)upstream.SafeHandle.DangerousGetHandle(), LibC.EpollIn, id))
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
            _set.Wake();
        }
    }

    private unsafe void Run()
    {
        int size = LibC.EpollEventSize;
        byte* events = stackalloc byte[size * MaxEvents];
        while (!_stopping)
        {
            int ready = _set.Wait(events, MaxEvents);
            if (ready < 0)
            {
                break;
            }
            for (int i = 0; i < ready; i++)
            {
                long id = *(long*)(events + (i * size) + LibC.EpollDataOffset);
                if (id == EpollSet.WakeData)
                {
                    _set.TakeWake();
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
        _set.Wake();
        await _loop;
        foreach (UdpSession session in _sessions.Values)
        {
            session.RetireDown();
        }
        _sessions.Clear();
        _set.Close();
        _received.Dispose();
        _replies.Dispose();
    }
}
