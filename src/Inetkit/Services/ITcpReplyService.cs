namespace Inetkit.Services;

/// <summary>
/// A TCP service whose whole answer is one reply, sent as the connection opens whatever the client sends (RFC 865,
/// 867 and 868). The host sends it and closes from the thread that accepted the connection, with no stream and no
/// wait: accept, send, close, as a C server does, which is what lets these services keep up with one (issue #11).
/// <see cref="ITcpService.HandleAsync"/> still serves the same reply to a caller that holds only a stream.
/// </summary>
public interface ITcpReplyService : ITcpService
{
    /// <summary>Writes the reply into <paramref name="reply"/>; false, with nothing consumed, if it does not fit.</summary>
    bool TryWriteReply(Span<byte> reply, out int length);
}
