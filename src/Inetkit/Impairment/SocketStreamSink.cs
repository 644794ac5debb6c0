using System.Net.Sockets;

namespace Inetkit.Impairment;

/// <summary>
/// An <see cref="IStreamSink"/> on a connected TCP socket. It owns the socket: <see cref="Close"/> and
/// <see cref="Reset"/> dispose it. Every verb is safe to call more than once and after the socket is gone, because
/// an impairer's timer (reset, timeout) may fire while the relay that owns the other half is closing too.
/// </summary>
public sealed class SocketStreamSink(Socket socket) : IStreamSink
{
    private int _closed;

    /// <inheritdoc/>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int sent = await socket.SendAsync(data, SocketFlags.None, cancellationToken);
            data = data[sent..];
        }
    }

    /// <inheritdoc/>
    public void ShutdownSend()
    {
        if (Volatile.Read(ref _closed) == 0)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The peer is gone already: there is nobody to send the FIN to.
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>As <c>ClientSocket.Reset</c> does it: SO_LINGER {on, 0} makes the close send RST instead of FIN.</remarks>
    public void Reset()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already closed by its owner: nothing left to reset.
            }
            socket.Dispose();
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Shuts the send side first, so that the FIN follows the data even if the close itself has to abort (a close
    /// with unread received data sends RST on Linux; the FIN is then already on its way after the data).
    /// </remarks>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Not connected any more: the close below is all there is to do.
            }
            socket.Dispose();
        }
    }
}
