namespace Inetkit.Services;

/// <summary>
/// What a service answers to one datagram. The host owns the socket, filters sources, applies rate limits and
/// sizes <c>response</c> to the longest reply allowed (the request's length toward non-loopback sources unless
/// amplification is allowed), so a service never needs to know where the datagram came from.
/// </summary>
public interface IUdpService
{
    /// <summary>
    /// Writes the reply into <paramref name="response"/>. Returns false for no reply (discard, or a reply that
    /// would not fit); a true result with <paramref name="length"/> 0 sends an empty datagram.
    /// </summary>
    bool TryRespond(ReadOnlySpan<byte> request, Span<byte> response, out int length);
}
