namespace Inetkit.Services;

/// <summary>
/// What a service does with one TCP connection. The host owns the socket: it accepts, applies limits and the
/// idle timeout, traces, and closes gracefully (FIN after everything written) when this returns. An exception
/// ends only this connection.
/// </summary>
public interface ITcpService
{
    /// <summary>Serves one connection; returns when the service is done with it.</summary>
    ValueTask HandleAsync(Stream connection, CancellationToken cancellationToken);
}
