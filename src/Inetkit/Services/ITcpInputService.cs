namespace Inetkit.Services;

/// <summary>
/// A TCP service whose answer to what the client sends is that input itself, or nothing, until the client closes
/// (RFC 862, 863). The host may then serve the connection without a stream: on Linux from an epoll loop of its own
/// over the bare descriptor, one receive and one send a message as a C server does, with no buffer, task or
/// socket object held by an idle connection (issue #17). <see cref="ITcpService.HandleAsync"/> still serves it
/// over a stream, as it does with tracing or stream impairments on.
/// </summary>
public interface ITcpInputService : ITcpService
{
    /// <summary>True if every byte goes back to the client (echo); false if every byte is dropped (discard).</summary>
    bool EchoesInput { get; }
}
