using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Inetkit.Scanning.Internal;

/// <summary>
/// One reusable socket operation that reports its outcome as a <see cref="SocketError"/> instead of throwing: a scan
/// meets tens of thousands of refusals a second, and an exception for each would cost more than the connect itself.
/// </summary>
internal sealed class AwaitableSocketArgs : SocketAsyncEventArgs, IValueTaskSource<SocketError>
{
    private ManualResetValueTaskSourceCore<SocketError> _core;

    public AwaitableSocketArgs()
        : base(unsafeSuppressExecutionContextFlow: true)
    {
    }

    public ValueTask<SocketError> ConnectAsync(Socket socket)
    {
        _core.Reset();
        return socket.ConnectAsync(this) ? new ValueTask<SocketError>(this, _core.Version) : new ValueTask<SocketError>(SocketError);
    }

    public ValueTask<SocketError> ReceiveAsync(Socket socket)
    {
        _core.Reset();
        return socket.ReceiveAsync(this) ? new ValueTask<SocketError>(this, _core.Version) : new ValueTask<SocketError>(SocketError);
    }

    protected override void OnCompleted(SocketAsyncEventArgs e) => _core.SetResult(e.SocketError);

    SocketError IValueTaskSource<SocketError>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<SocketError>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<SocketError>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
