using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Inetkit.Impairment;
using Inetkit.Interop.Linux;

namespace Inetkit.Proxy.Internal.Linux;

/// <summary>
/// One relayed TCP connection with nothing to impair, on an <see cref="EpollLoop"/>: both descriptors bare in its
/// level-triggered set, one receive and one send per message, as the least relay in C is (bench/relays). The .NET
/// pumps gave each message a completion and a continuation on the socket engine's thread and a pool thread, both
/// ways: the proxy's TCP relay reached 0.80-0.88 of that C relay (issue #17, docs/benchmarks.md). What it keeps
/// of <see cref="TcpRelay"/>: a FIN passed on as a FIN (half-close), a reset as a reset, back-pressure (what a side
/// does not take is kept, one buffer at most, and its peer is not read until it has gone), the connect timeout,
/// the counters. When toxics come for this connection it is handed, with what it holds, to <see cref="TcpRelay"/>'s
/// pumps, which impair. Every member but <see cref="Start"/> and the callbacks it arms runs on the loop's thread.
/// </summary>
internal sealed unsafe class EpollRelay : IDisposable
{
    private enum State
    {
        New,
        Connecting,
        Relaying,
        Closed,
        HandedOver,
    }

    private readonly EpollLoop _loop;
    private readonly Socket _clientSocket;
    private readonly TcpRelay _relay;
    private readonly InetProxyOptions _options;
    private readonly ProxyCounters _counters;
    private readonly ConnectionToxics _toxics;
    private readonly CancellationToken _stop;
    private readonly EpollRelayEnd _client;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EpollRelayEnd? _server;
    private State _state;
    private Timer? _connectTimer;
    private volatile bool _timedOut;
    private CancellationTokenRegistration _stopping;
    private CancellationTokenRegistration _changed;

    private EpollRelay(EpollLoop loop, Socket client, TcpRelay relay, InetProxyOptions options, ProxyCounters counters, ConnectionToxics toxics, CancellationToken stop)
    {
        _loop = loop;
        _clientSocket = client;
        _relay = relay;
        _options = options;
        _counters = counters;
        _toxics = toxics;
        _stop = stop;
        _client = new EpollRelayEnd(this, (int)client.SafeHandle.DangerousGetHandle(), isClient: true);
    }

    /// <summary>True when toxics apply to a TCP connection drawn <paramref name="spec"/>: the .NET pumps impair it.</summary>
    public static bool Impairs(ImpairmentSpec spec) => !spec.StreamUp.IsNone || !spec.StreamDown.IsNone;

    /// <summary>Relays <paramref name="client"/> on <paramref name="loop"/>; the task completes when both sockets are closed.</summary>
    public static Task Start(EpollLoop loop, Socket client, TcpRelay relay, InetProxyOptions options, ProxyCounters counters, ConnectionToxics toxics, CancellationToken stop)
    {
        client.NoDelay = true;
        client.Blocking = false;
        var connection = new EpollRelay(loop, client, relay, options, counters, toxics, stop);
        // The connect and the first watch are made on the loop's thread, as everything after them is.
        loop.End(connection._client);
        return connection._done.Task;
    }

    public void OnEndAsked()
    {
        switch (_state)
        {
            case State.New:
                Begin();
                break;
            case State.Connecting when _stop.IsCancellationRequested:
                Close(reset: false);
                break;
            case State.Connecting when _timedOut:
                Refused();
                break;
            case State.Relaying when _stop.IsCancellationRequested:
                // As the pumps do when the proxy stops: both sockets closed.
                Close(reset: false);
                break;
            case State.Relaying when _client.Lost || _server!.Lost:
                Close(reset: true);
                break;
            case State.Relaying:
                LookAtImpairment();
                break;
        }
    }

    public void OnFailed(Exception error)
    {
        if (_state is State.Connecting or State.Relaying)
        {
            Close(reset: true);
        }
    }

    private void Begin()
    {
        if (_stop.IsCancellationRequested)
        {
            Close(reset: false);
            return;
        }
        IPEndPoint target = _options.Target;
        int fd = LibC.Socket(target.AddressFamily == AddressFamily.InterNetworkV6 ? LibC.AfInet6 : LibC.AfInet, LibC.SockStream | LibC.SockNonBlock | LibC.SockCloExec, 0);
        if (fd < 0)
        {
            // Out of descriptors: the client is told as a refusing target would tell it.
            Refused();
            return;
        }
        _server = new EpollRelayEnd(this, fd, isClient: false) { Peer = _client };
        _client.Peer = _server;
        _ = LibC.SetSockOptInt(fd, LibC.IpProtoTcp, LibC.TcpNoDelay, 1);
        SocketAddress address = target.Serialize();
        int result;
        fixed (byte* sockaddr = address.Buffer.Span)
        {
            result = LibC.Connect(fd, sockaddr, address.Size);
        }
        if (result < 0 && Marshal.GetLastPInvokeError() != LibC.EInProgress)
        {
            Refused();
            return;
        }
        _state = State.Connecting;
        _client.Handle = GCHandle.Alloc(_client);
        _server.Handle = GCHandle.Alloc(_server);
        // The client is watched for nothing while the connect is under way: only its reset (EPOLLERR) would wake it.
        if (!_loop.Add(_client.Fd, 0, _client.Handle) || !_loop.Add(fd, LibC.EpollOut, _server.Handle))
        {
            Close(reset: true);
            return;
        }
        _client.Watching(0);
        _server.Watching(LibC.EpollOut);
        _connectTimer = new Timer(static s => ((EpollRelay)s!).TimeOut(), this, _options.ConnectTimeout, Timeout.InfiniteTimeSpan);
        _stopping = _stop.UnsafeRegister(static s => ((EpollRelay)s!).AskToEnd(), this);
    }

    private void TimeOut()
    {
        _timedOut = true;
        AskToEnd();
    }

    private void AskToEnd() => _loop.End(_client);

    public void OnReady(EpollRelayEnd end, uint events, byte* buffer)
    {
        if (_state == State.Relaying)
        {
            Relay(end, events, buffer);
        }
        else if (_state == State.Connecting)
        {
            if (end.IsClient)
            {
                // The client reset before the target answered. As the pumps do, and as the server would see it
                // without us in between, the connect goes on and the reset follows it: the client leaves the set
                // (its error would come at every wait) until it is read, once connected.
                end.Leave(_loop);
            }
            else
            {
                Connected();
            }
        }
    }

    private void Connected()
    {
        int error = 0, length = sizeof(int);
        if (LibC.GetSockOpt(_server!.Fd, LibC.SolSocket, LibC.SoError, &error, &length) < 0 || error != 0)
        {
            Refused();
            return;
        }
        _connectTimer?.Dispose();
        _connectTimer = null;
        Interlocked.Increment(ref _counters.Connections);
        _state = State.Relaying;
        _client.Reading = _server.Reading = true;
        _client.Rewatch(_loop);
        _server.Rewatch(_loop);
        LookAtImpairment();
    }

    /// <summary>
    /// Watches for the proxy's next change of impairment (the token first, as <see cref="ConnectionToxics"/> asks),
    /// then hands the connection to the pumps if its draw of the one in force has toxics.
    /// </summary>
    private void LookAtImpairment()
    {
        _changed.Dispose();
        _changed = _toxics.Changed.UnsafeRegister(static s => ((EpollRelay)s!).AskToEnd(), this);
        if (Impairs(_toxics.Current()))
        {
            HandOver();
        }
    }

    private void Relay(EpollRelayEnd end, uint events, byte* buffer)
    {
        if ((events & LibC.EpollOut) != 0 && end.OwedLength > 0)
        {
            Flush(end);
            if (_state != State.Relaying)
            {
                return;
            }
        }
        if (end.Reading && (events & (LibC.EpollIn | LibC.EpollErr | LibC.EpollHup)) != 0)
        {
            Read(end, buffer);
        }
        else if ((events & (LibC.EpollErr | LibC.EpollHup)) != 0)
        {
            // A reset on a side not read now (its peer is slow): a reset on both. (A side shut both ways is out of the set.)
            Close(reset: true);
        }
    }

    /// <summary>One receive from <paramref name="source"/> and its send to the other side.</summary>
    private void Read(EpollRelayEnd source, byte* buffer)
    {
        EpollRelayEnd destination = source.Peer;
        nint read = LibC.Recv(source.Fd, buffer, _loop.BufferSize, 0);
        if (read > 0)
        {
            Interlocked.Add(ref source.IsClient ? ref _counters.BytesUp : ref _counters.BytesDown, read);
            int sent = SendNow(destination.Fd, buffer, (int)read);
            if (sent < 0)
            {
                Close(reset: true);
            }
            else if (sent < read)
            {
                // The other side takes it slower than this one sends: keep the rest, and read no more until it has gone.
                destination.Owe(new ReadOnlySpan<byte>(buffer + sent, (int)read - sent), _loop.BufferSize);
                source.Reading = false;
                source.Rewatch(_loop);
                destination.Rewatch(_loop);
            }
            return;
        }
        if (read == 0)
        {
            source.Ended = true;
            source.Reading = false;
            source.Rewatch(_loop);
            if (destination.OwedLength == 0)
            {
                PassFin(destination);
            }
        }
        else if (Marshal.GetLastPInvokeError() is not (LibC.EAgain or LibC.EIntr))
        {
            // A reset on either side is a reset on both: the peer learns of it as it would without us in between.
            Close(reset: true);
        }
    }

    /// <summary>Room has come on <paramref name="destination"/> for what it is owed.</summary>
    private void Flush(EpollRelayEnd destination)
    {
        int sent;
        fixed (byte* owed = destination.Owed)
        {
            sent = SendNow(destination.Fd, owed, destination.OwedLength);
        }
        if (sent < 0)
        {
            Close(reset: true);
            return;
        }
        destination.Took(sent);
        if (destination.OwedLength > 0)
        {
            return;
        }
        EpollRelayEnd source = destination.Peer;
        if (source.Ended)
        {
            destination.Rewatch(_loop);
            PassFin(destination);
            return;
        }
        source.Reading = true;
        source.Rewatch(_loop);
        destination.Rewatch(_loop);
    }

    /// <summary>The half-close goes on as one; once both ways have, the connection is done.</summary>
    private void PassFin(EpollRelayEnd destination)
    {
        _ = LibC.Shutdown(destination.Fd, LibC.ShutWr);
        destination.FinSent = true;
        if (destination.Peer.FinSent)
        {
            Close(reset: false);
            return;
        }
        destination.Rewatch(_loop);
    }

    /// <summary>Sends what the kernel takes now: the count sent (short once its buffer is full), or -1 when the connection has failed.</summary>
    private static int SendNow(int fd, byte* data, int length)
    {
        int sent = LibC.SendWhatFits(fd, data, length, out bool failed);
        return failed ? -1 : sent;
    }

    /// <summary>The target refused, was silent past the connect timeout, or no socket could be had: the client is reset.</summary>
    private void Refused()
    {
        Interlocked.Increment(ref _counters.ConnectionsRefused);
        Close(reset: true);
    }

    private void Close(bool reset)
    {
        _state = State.Closed;
        Dispose();
        if (reset)
        {
            try
            {
                _clientSocket.LingerState = new LingerOption(true, 0);
            }
            catch (SocketException)
            {
            }
        }
        _clientSocket.Dispose();
        if (_server is not null)
        {
            if (reset)
            {
                LibC.ResetAndClose(_server.Fd);
            }
            else
            {
                LibC.Close(_server.Fd);
            }
        }
        _done.TrySetResult();
    }

    /// <summary>Toxics have come for this connection: the pumps take it over, with what is owed each way and where each half-close stands.</summary>
    private void HandOver()
    {
        EpollRelayEnd server = _server!;
        var up = new TcpRelay.PumpStart(server.Owed.ToArray(), _client.Ended, server.FinSent);
        var down = new TcpRelay.PumpStart(_client.Owed.ToArray(), server.Ended, _client.FinSent);
        _state = State.HandedOver;
        Dispose();
        var upstream = new Socket(new SafeSocketHandle(server.Fd, ownsHandle: true));
        _ = Task.Run(() => _relay.ContinueAsync(upstream, up, down, _stop))
            .ContinueWith(static (_, done) => ((TaskCompletionSource)done!).TrySetResult(), _done, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Out of the loop's set, and nothing left armed to ask for it: its own end calls it, on the loop's thread.</summary>
    public void Dispose()
    {
        foreach (EpollRelayEnd? end in (ReadOnlySpan<EpollRelayEnd?>)[_client, _server])
        {
            if (end is null)
            {
                continue;
            }
            if (end.Handle.IsAllocated)
            {
                _loop.Forget(end.Fd);
                _loop.Free(end.Handle);
                end.Handle = default;
            }
            end.ReturnOwed();
        }
        _connectTimer?.Dispose();
        _connectTimer = null;
        _stopping.Dispose();
        _changed.Dispose();
    }
}
