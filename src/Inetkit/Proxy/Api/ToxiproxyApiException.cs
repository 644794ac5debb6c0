namespace Inetkit.Proxy.Api;

/// <summary>
/// A request the control API refuses, with toxiproxy's status code and message, so that its client libraries read
/// the error as toxiproxy's own (<c>{"error": "proxy not found", "status": 404}</c>).
/// </summary>
public sealed class ToxiproxyApiException : Exception
{
    /// <summary>A refusal with its HTTP status.</summary>
    public ToxiproxyApiException(int status, string message)
        : base(message) => Status = status;

    /// <summary>Not used by the API; present for the usual exception constructors.</summary>
    public ToxiproxyApiException()
        : this(500, "internal error")
    {
    }

    /// <summary>Not used by the API; present for the usual exception constructors.</summary>
    public ToxiproxyApiException(string message)
        : this(500, message)
    {
    }

    /// <summary>Not used by the API; present for the usual exception constructors.</summary>
    public ToxiproxyApiException(string message, Exception innerException)
        : base(message, innerException) => Status = 500;

    /// <summary>The HTTP status the response carries, repeated in the body's <c>status</c>.</summary>
    public int Status { get; }

    internal static ToxiproxyApiException BadBody(string why) => new(400, $"bad request body: {why}");

    internal static ToxiproxyApiException MissingField(string field) => new(400, $"missing required field: {field}");

    internal static ToxiproxyApiException ProxyNotFound() => new(404, "proxy not found");

    internal static ToxiproxyApiException ProxyExists() => new(409, "proxy already exists");

    internal static ToxiproxyApiException InvalidStream() => new(400, "stream was invalid, can be either upstream or downstream");

    internal static ToxiproxyApiException InvalidToxicType(string? why = null) => new(400, why is null ? "invalid toxic type" : $"invalid toxic type: {why}");

    internal static ToxiproxyApiException ToxicExists() => new(409, "toxic already exists");

    internal static ToxiproxyApiException ToxicNotFound() => new(404, "toxic not found");
}
