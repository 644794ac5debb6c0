namespace Inetkit.Conformance;

/// <summary>What qotd and daytime share: one message, then the close (TCP), or one answering datagram (UDP).</summary>
internal static class MessageChecks
{
    /// <summary>More than any quote or date should be: a server that sends this much without closing is not one of them.</summary>
    private const int ReadLimit = 64 * 1024;

    /// <summary>What the server sent after <paramref name="request"/>, and whether it then closed.</summary>
    public static Task<StreamReply> ReadAsync(CaseContext context, byte[] request) =>
        StreamExchange.RunAsync(context, request, Math.Max(1, request.Length), halfClose: false, enough: ReadLimit + 1);

    public static async Task<CaseOutcome> TcpMessageAsync(CaseContext context, byte[] request)
    {
        string expected = request.Length == 0 ? "a message, then the server closes" : $"a message whatever we send ({request.Length} bytes here), then the server closes";
        StreamReply reply = await ReadAsync(context, request);
        byte[] message = reply.Received;
        if (reply.Ending == StreamExchange.Reset && message.Length > 0 && !message.AsSpan().SequenceEqual(request))
        {
            // The server closed without reading our bytes, so its kernel answered them with RST: the message came
            // (and stays readable here), the close did, as a reset. Whether the request beats the close is the
            // scheduler's, so this is said, not judged.
            return CaseOutcome.Pass(expected, $"{message.Length:N0} bytes, then a reset: the server closed without reading what we sent (a client whose stack drops unread data on a reset may lose the message; read the request, then close)");
        }
        if (!reply.ServerClosed)
        {
            return CaseOutcome.Fail(expected, $"{message.Length:N0} bytes, {(message.Length > ReadLimit ? "and more" : reply.Ending ?? "and more")}: the server did not close after its message");
        }
        return message switch
        {
            [] => CaseOutcome.Fail(expected, "the server closed without a message"),
            _ when request.Length > 0 && message.AsSpan().SequenceEqual(request) => CaseOutcome.Fail(expected, "our own bytes back: that is an echo"),
            _ => CaseOutcome.Pass(expected, $"{message.Length:N0} bytes, then the server closed"),
        };
    }

    public static async Task<CaseOutcome> UdpMessageAsync(CaseContext context, byte[] request, string what)
    {
        string expected = request.Length == 0 ? $"{what} in answer to an empty datagram" : $"{what} in answer to any datagram";
        byte[]? message = await context.ExchangeAsync(request);
        return message switch
        {
            null => CaseOutcome.Fail(expected, context.Silence),
            [] => CaseOutcome.Fail(expected, "an empty datagram"),
            _ => CaseOutcome.Pass(expected, $"{message.Length:N0} bytes"),
        };
    }

    /// <summary>Runs <paramref name="check"/> on the datagram that answers <paramref name="request"/>; a fail on silence.</summary>
    public static async Task<CaseOutcome> OnDatagramAsync(CaseContext context, byte[] request, Func<byte[], CaseOutcome> check) =>
        await context.ExchangeAsync(request) is { } message ? check(message) : CaseOutcome.Fail("an answering datagram", context.Silence);

    /// <summary>RFC 865 and 867 alike recommend "the ASCII printing characters, space, carriage return, and line feed".</summary>
    public static CaseOutcome Printable(byte[] message)
    {
        const string Expected = "ASCII printing characters, space, CR and LF only";
        if (message.Length == 0)
        {
            return CaseOutcome.Fail(Expected, "no message");
        }
        int bad = Array.FindIndex(message, b => b is not ((>= 0x20 and <= 0x7E) or (byte)'\r' or (byte)'\n'));
        return bad < 0 ? CaseOutcome.Pass(Expected, $"{message.Length:N0} bytes, all of them")
            : CaseOutcome.Fail(Expected, $"0x{message[bad]:X2} at offset {bad:N0}{(message[bad] >= 0x80 ? " (not ASCII: UTF-8 or another encoding)" : " (a control character)")}");
    }
}
