namespace Inetkit.Impairment;

/// <summary>
/// Where a <see cref="StreamImpairer"/> delivers one direction of a connection: the socket toward the peer that
/// reads it. The impairer needs more than a Stream's write: it decides itself when the stream ends, and how
/// (a FIN after a slow close, a close after a timeout or a data limit, an RST), so those are verbs here.
/// </summary>
public interface IStreamSink
{
    /// <summary>Sends all of <paramref name="data"/> (a sendall, not one send).</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Half-closes: the peer reads EOF after the data sent, and may still send to us.</summary>
    void ShutdownSend();

    /// <summary>Aborts the connection with an RST (SO_LINGER 0, then close): the peer's next read fails with ECONNRESET.</summary>
    void Reset();

    /// <summary>Closes the connection: the peer reads EOF after the data sent.</summary>
    void Close();
}
