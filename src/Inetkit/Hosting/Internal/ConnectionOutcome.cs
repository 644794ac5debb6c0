namespace Inetkit.Hosting.Internal;

/// <summary>How an admitted TCP connection ended: the connection log's outcome and the metrics' <c>outcome</c> label.</summary>
internal enum ConnectionOutcome
{
    /// <summary>The service finished its exchange and the connection closed gracefully.</summary>
    Served,
    /// <summary>The idle timeout or the program's exec timeout ended it.</summary>
    Timeout,
    /// <summary>The client reset or vanished.</summary>
    Reset,
    /// <summary>The server stopped with the exchange unfinished.</summary>
    Stopped,
    /// <summary>The service failed.</summary>
    Error,
}
