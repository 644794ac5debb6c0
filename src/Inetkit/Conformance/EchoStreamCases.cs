using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Conformance;

/// <summary>RFC 862 over TCP: every byte comes back, in order, however it was written, and the end too.</summary>
internal static class EchoStreamCases
{
    private const string Rfc = "RFC 862";

    private const string Quote = "Once a connection is established any data received is sent back.";

    private const int MiB = 1 << 20;

    public static IEnumerable<ConformanceCase> All { get; } =
    [
        new(ServiceKind.Echo, Transport.Tcp, "one-byte", CaseLevel.Must, Rfc, Quote, c => RoundTripAsync(c, "x"u8.ToArray(), 1, halfClose: false)),
        new(ServiceKind.Echo, Transport.Tcp, "line", CaseLevel.Must, Rfc, Quote, c => RoundTripAsync(c, "Hello World\r\n"u8.ToArray(), 13, halfClose: false)),
        new(ServiceKind.Echo, Transport.Tcp, "1mib-small-pieces", CaseLevel.Must, Rfc, Quote, c => RoundTripAsync(c, EchoCases.Payload(MiB, seed: 1), 100, halfClose: false)),
        new(ServiceKind.Echo, Transport.Tcp, "1mib-large-pieces", CaseLevel.Must, Rfc, Quote, c => RoundTripAsync(c, EchoCases.Payload(MiB, seed: 2), 64 * 1024, halfClose: false)),
        new(ServiceKind.Echo, Transport.Tcp, "half-close", CaseLevel.Must, Rfc,
            "Once a connection is established any data received is sent back. This continues until the calling user terminates the connection.",
            c => RoundTripAsync(c, EchoCases.Payload(256 * 1024, seed: 3), 64 * 1024, halfClose: true)),
        new(ServiceKind.Echo, Transport.Tcp, "two-clients", CaseLevel.Should, Rfc,
            "What every client relies on though RFC 862 is silent: a second client is served while the first is still connected.", TwoClientsAsync),
        new(ServiceKind.Echo, Transport.Tcp, "survives-reset", CaseLevel.Should, Rfc,
            "What every client relies on though RFC 862 is silent: a client that resets its connection mid-stream does not stop the service.", SurvivesResetAsync),
    ];

    private static readonly byte[] FirstLine = "first client\r\n"u8.ToArray();

    private static readonly byte[] SecondLine = "second client\r\n"u8.ToArray();

    /// <summary>A server that serves one connection at a time (accept, echo until EOF, accept) leaves the second waiting.</summary>
    private static async Task<CaseOutcome> TwoClientsAsync(CaseContext context)
    {
        const string Expected = "the second connection echoed while the first stays open";
        using ClientSocket first = await context.ConnectAsync();
        if (await EchoOfAsync(first, FirstLine, context) is { } firstFailed)
        {
            return CaseOutcome.Fail(Expected, $"the first connection: {firstFailed}");
        }
        using ClientSocket second = await context.ConnectAsync();
        if (await EchoOfAsync(second, SecondLine, context) is not { } secondFailed)
        {
            return CaseOutcome.Pass(Expected, "both connections echoed");
        }
        first.Dispose();
        string after = await ReadAsync(second, SecondLine.Length, context) == SecondLine.Length ? "; it came once the first closed" : "";
        return CaseOutcome.Fail(Expected, $"the second connection: {secondFailed} while the first stayed open: the server serves one client at a time{after}");
    }

    /// <summary>A reset mid-stream makes the server's next recv or send fail; a server that does not catch that dies of it.</summary>
    private static async Task<CaseOutcome> SurvivesResetAsync(CaseContext context)
    {
        const string Expected = "a new connection echoed after another client reset its connection mid-stream";
        using (ClientSocket victim = await context.ConnectAsync())
        {
            // Sent and not read, so that the server is still echoing when the reset comes.
            await victim.SendAsync(EchoCases.Payload(64 * 1024, seed: 4), context.Cancellation);
            await ReadAsync(victim, 1, context);
            victim.Reset();
        }
        // A server meets the reset on its own thread and its own time (5 ms on a busy machine here): a tenth of the
        // timeout lets one that dies of it do so first. Then two clients, the first to the end (echo, half-close,
        // the server's close). The wall clock, not the check's: that one may be a test's frozen clock.
        await Task.Delay(context.Options.Timeout / 10, context.Cancellation);
        for (int client = 1; client <= 2; client++)
        {
            ClientSocket next;
            try
            {
                next = await context.ConnectAsync();
            }
            catch (NotServedException e)
            {
                return CaseOutcome.Fail(Expected, $"after the reset nothing listens any more: {e.Message}");
            }
            using (next)
            {
                if (await EchoOfAsync(next, FirstLine, context) is { } failed)
                {
                    return CaseOutcome.Fail(Expected, $"connection {client} after the reset: {failed}");
                }
                next.ShutdownSend();
                await ReadAsync(next, 1, context);
            }
        }
        return CaseOutcome.Pass(Expected, "two were, one after the other");
    }

    /// <summary>Null when <paramref name="line"/> came back unchanged, else what happened instead.</summary>
    private static async Task<string?> EchoOfAsync(ClientSocket socket, byte[] line, CaseContext context)
    {
        await socket.SendAsync(line, context.Cancellation);
        byte[] buffer = new byte[line.Length];
        int got = await ReadAsync(socket, buffer, context);
        return got == line.Length && buffer.AsSpan().SequenceEqual(line) ? null
            : got == 0 ? $"no echo within {ClientSocket.Seconds(context.Options.Timeout)} (or the server closed)"
            : ByteDifference.Describe(line, buffer.AsSpan(0, got));
    }

    private static Task<int> ReadAsync(ClientSocket socket, int count, CaseContext context) => ReadAsync(socket, new byte[count], context);

    /// <summary>Reads until <paramref name="buffer"/> is full, the server closes or resets, or the timeout passes; the count read.</summary>
    private static async Task<int> ReadAsync(ClientSocket socket, byte[] buffer, CaseContext context)
    {
        int got = 0;
        try
        {
            while (got < buffer.Length)
            {
                int read = await socket.ReceiveAsync(buffer.AsMemory(got), context.Cancellation);
                if (read == 0)
                {
                    break;
                }
                got += read;
            }
        }
        catch (ClientException e) when (e.Failure is ClientFailure.Timeout or ClientFailure.Unreachable)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        return got;
    }

    /// <summary>
    /// Writes <paramref name="data"/> in pieces while reading the echo; with <paramref name="halfClose"/>, shuts our
    /// side after the last piece and expects the rest of the echo and then the server's close.
    /// </summary>
    private static async Task<CaseOutcome> RoundTripAsync(CaseContext context, byte[] data, int piece, bool halfClose)
    {
        string expected = halfClose
            ? $"the {data.Length:N0} bytes sent before our half-close back, then the server's close"
            : $"the {data.Length:N0} bytes back, written {(piece >= data.Length ? "at once" : $"in pieces of {piece:N0}")}";
        StreamReply reply = await StreamExchange.RunAsync(context, data, piece, halfClose, enough: halfClose ? data.Length + 1 : data.Length);
        CaseOutcome outcome = CaseOutcome.SameBytes(expected, data, reply.Received);
        if (outcome.Verdict == Verdict.Pass && halfClose && !reply.ServerClosed)
        {
            return CaseOutcome.Fail(expected, $"all {reply.Received.Length:N0} bytes back, but {reply.Ending ?? "more came"}: the server did not close after our half-close");
        }
        return outcome.Verdict == Verdict.Fail && reply.Ending is not null ? outcome with { Got = $"{outcome.Got} ({reply.Ending})" } : outcome;
    }
}
