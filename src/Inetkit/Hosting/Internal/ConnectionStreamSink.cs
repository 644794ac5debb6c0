using System.Net.Sockets;
using Inetkit.Impairment;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// Where <c>--impair</c>'s stream toxics deliver a TCP service's output: the connection's own stream (so tracing
/// and the streak guard still see every send). The FIN stays the host's (its graceful close comes after the toxics
/// have delivered everything and waited out a slow close); a toxic's reset or close acts on the socket at once.
/// </summary>
internal sealed class ConnectionStreamSink(ConnectionStream stream, Socket socket) : IStreamSink
{
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => stream.WriteAsync(data, cancellationToken);

    public void ShutdownSend()
    {
        // The host's close sends the FIN once the service is done and the impairer has completed.
    }

    public void Reset()
    {
        try
        {
            socket.Close(0);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Close()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        socket.Dispose();
    }
}
