namespace Inetkit.Clients;

/// <summary>A client exchange failed; the message is one line that says what, with whom, and what to do.</summary>
public sealed class ClientException(ClientFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Which kind of failure.</summary>
    public ClientFailure Failure { get; } = failure;
}
