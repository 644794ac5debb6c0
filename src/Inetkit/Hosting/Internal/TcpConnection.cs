using Inetkit.Tracing;
using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;
using Inetkit.Services;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// One accepted connection from start to close: runs the service, then closes gracefully (FIN after all data,
/// then reads until the client's FIN so that unread input cannot turn our close into a reset that destroys
/// the reply in flight). Once the service is done the connection no longer counts against the caps: it is served,
/// and only its lingering close remains, which must not keep the next client out (issue #11). A connection still
/// busy when the stop's grace runs out is reset instead, so that no client mistakes a cut-off exchange for a
/// finished one. Every failure ends here, in this connection.
/// </summary>
internal sealed class TcpConnection(Socket socket, IPEndPoint remote, ITcpService service, ServiceRuntime runtime, HostContext host, Tracer trace, long id)
{
    // How long a closed connection waits for the client's FIN before it closes anyway.
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(2);

    public async Task RunAsync()
    {
        using var abort = new CancellationTokenSource();
        var stream = new ConnectionStream(socket, host.Clock, trace);
        long started = host.Clock.GetTimestamp();
        var tracked = new TrackedConnection(stream, abort.Cancel) { Caps = runtime.Caps, Metrics = runtime.Metrics, IdleTicks = host.Tracker.IdleTicks(runtime.IdleTimeout) };
        var program = service as IProgramConnection;
        if (program is not null)
        {
            tracked.ActivityProbe = program.LastActivity;
        }
        host.Tracker.Track(id, tracked);
        host.Counters.Opened();
        runtime.Metrics.Opened();
        string? ending = null;
        Impairment.ImpairmentSpec impairment = runtime.Impairment;
        await using Impairment.StreamImpairer? impairer = impairment.StreamDown.IsNone ? null
            : new Impairment.StreamImpairer(impairment.StreamDown, impairment.Seed ?? Random.Shared.Next(), host.Clock, new ConnectionStreamSink(stream, socket));
        try
        {
            if (impairer is null)
            {
                await service.HandleAsync(stream, abort.Token);
            }
            else
            {
                // --impair: what the service writes goes through the toxics; what it reads comes as it is.
                await service.HandleAsync(new Impairment.ImpairedStream(stream, impairer), abort.Token);
                await impairer.CompleteAsync(abort.Token);
                if (impairer.EndedBy is not Impairment.StreamEnd.Normal)
                {
                    throw new IOException($"the impairment ended the stream ({impairer.EndedBy})");
                }
            }
            bool linger = host.Tracker.ExchangeDone(tracked, remote.Address);
            await CloseGracefullyAsync(stream, abort, linger);
        }
        catch (Exception e) when (abort.IsCancellationRequested && e is OperationCanceledException or IOException or SocketException)
        {
            if (tracked.Aborted && host.Stopping.IsCancellationRequested)
            {
                // The grace is over with work in flight: close with RST, so that the client cannot take a FIN after a
                // partial echo for a finished one. (An idle connection has nothing in flight: it gets a FIN.)
                AbortiveClose();
                ending = "(server stopping: reset, the exchange was not finished)";
            }
            else
            {
                ending = program?.TimedOut == true ? "(exec timeout)" : "(idle timeout)";
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The client reset or vanished: the normal end of a chargen stream, and nothing to report.
            ending = "(the client went away)";
        }
        catch (Exception e)
        {
            // A fault in a service must cost only this connection.
            host.ErrorLog.Log(LogLevel.Error, $"{trace.Prefix}: connection from {remote} failed: {e.GetType().Name}: {e.Message}");
            ending = "(error)";
        }
        finally
        {
            if (trace.Enabled)
            {
                trace.Call("close", "", comment: ending, to: TraceTo.Events);
            }
            socket.Dispose();
            if (impairer is not null)
            {
                // A stream's toxics delay chunks; they lose, duplicate and reorder nothing (TCP would not let them).
                host.Impairments.Add(runtime, Protocol.Transport.Tcp, new Impairment.ImpairmentCounters { Submitted = impairer.Counters.Slices, Delayed = impairer.Counters.ChunksDelayed });
            }
            long bytesIn = program?.BytesIn ?? stream.BytesRead;
            long bytesOut = program?.BytesOut ?? stream.BytesWritten;
            // Its bytes are in the metrics before it stops counting as open: whoever sees the count fall sees them too.
            tracked.ReportBytes(bytesIn, bytesOut);
            host.Tracker.Release(id, remote.Address, tracked);
            host.Counters.Closed();
            ConnectionOutcome outcome = Outcome(ending, program);
            runtime.Metrics.Closed(outcome);
            if (host.Options.ConnectionLog is { } log)
            {
                log(Entry(outcome, started, bytesIn, bytesOut, program));
            }
            // Narrated after the release, so that a reader who sees close() knows the slot is free again.
            if (trace.Enabled)
            {
                trace.Call("close", "", comment: ending, to: TraceTo.Text);
            }
            tracked.Completed();
            host.Once.Served();
        }
    }

    private ConnectionLogEntry Entry(ConnectionOutcome outcome, long started, long bytesIn, long bytesOut, IProgramConnection? program) => new()
    {
        Time = host.Clock.GetUtcNow(),
        Service = runtime.Name,
        Transport = Protocol.Transport.Tcp,
        Client = ConnectionLogEntry.Normalize(remote),
        Duration = host.Clock.GetElapsedTime(started),
        Outcome = ServiceMetrics.OutcomeName(outcome),
        BytesIn = bytesIn,
        BytesOut = bytesOut,
        Pid = program?.Pid,
        Exit = program?.Exit,
    };

    /// <summary>How it ended, from the narration's ending (null: served) and what the program says.</summary>
    private static ConnectionOutcome Outcome(string? ending, IProgramConnection? program) => program?.TimedOut == true ? ConnectionOutcome.Timeout : ending switch
    {
        null => ConnectionOutcome.Served,
        "(idle timeout)" or "(exec timeout)" => ConnectionOutcome.Timeout,
        "(the client went away)" => ConnectionOutcome.Reset,
        "(error)" => ConnectionOutcome.Error,
        _ => ConnectionOutcome.Stopped,
    };

    private void AbortiveClose()
    {
        // Close(0), not a linger option and Dispose: .NET then closes abortively throughout, where an ordinary
        // Dispose of a socket still in use first calls shutdown(), whose FIN the client would read as a clean end.
        socket.Close(0);
    }

    private async Task CloseGracefullyAsync(ConnectionStream stream, CancellationTokenSource abort, bool linger)
    {
        if (trace.Enabled)
        {
            trace.Call("shutdown", "SHUT_WR");
        }
        socket.Shutdown(SocketShutdown.Send);
        if (stream.ReceivedEof || !linger)
        {
            // Already at the client's FIN, or as many connections linger as the cap allows open: close now.
            return;
        }
        abort.CancelAfter(Linger);
        try
        {
            await DiscardService.DrainAsync(stream, abort.Token);
        }
        catch (OperationCanceledException)
        {
            // The client kept its side open past the linger, or the idle timeout or the stop's grace cut it short:
            // the exchange is complete, and our reply and FIN are already on their way.
        }
    }
}
