using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Inetkit.Clients;
using Inetkit.Demo.Rendering;
using Microsoft.AspNetCore.Http;

namespace Inetkit.Demo.Web;

/// <summary>
/// One run of an example as Server-Sent Events: <c>event: demo</c> per event as it is recorded (the JSON of
/// <see cref="DemoJson"/>), then <c>event: done</c>, or <c>event: error</c> with one line when the example fails.
/// The exchange runs at full speed; the page paces its drawing on its own.
/// </summary>
internal static class EventStream
{
    public static async Task WriteAsync(HttpResponse response, RunRequest run, CancellationToken cancellationToken)
    {
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        var live = Channel.CreateUnbounded<DemoEvent>(new UnboundedChannelOptions { SingleReader = true });
        // The packets beneath, where this process may capture them (root or CAP_NET_RAW); the page's wire box shows them.
        Wire.LoopbackCapture? capture = Wire.LoopbackCapture.TryOpen([], out Wire.LoopbackCapture? opened, out _) ? opened : null;
        await using Wire.LoopbackCapture? wireInUse = capture;
        var recorder = new DemoRecorder(TimeProvider.System, e => live.Writer.TryWrite(e)) { Wire = capture };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<string?> exchange = ExchangeAsync(run, recorder, live.Writer, stop.Token);
        try
        {
            // The headers now, so that the page knows the run has started before its first event.
            await response.StartAsync(cancellationToken);
            int count = 0;
            await foreach (DemoEvent e in live.Reader.ReadAllAsync(cancellationToken))
            {
                await SendAsync(response, "demo", Json(e), cancellationToken);
                count++;
            }
            string? failure = await exchange;
            await (failure is null
                ? SendAsync(response, "done", $$"""{"events":{{count}}}""", cancellationToken)
                : SendAsync(response, "error", failure, cancellationToken));
        }
        finally
        {
            // The page went away, or the server is stopping: the exchange ends too, its sockets closed before we return.
            await stop.CancelAsync();
            await exchange;
        }
    }

    /// <summary>Null when the exchange ran to its end; else what went wrong, in one line.</summary>
    private static async Task<string?> ExchangeAsync(RunRequest run, DemoRecorder recorder, ChannelWriter<DemoEvent> live, CancellationToken cancellationToken)
    {
        try
        {
            await run.Example.RunAsync(new DemoContext(recorder, impairment: run.Impairment), cancellationToken);
            await recorder.DrainWireAsync(cancellationToken);
            return null;
        }
        catch (ClientException e)
        {
            // A reply lost or not the one sent is part of what the demo shows (as in the terminal): it ends the exchange.
            recorder.Print(DemoLane.Client, e.Message);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return "stopped";
        }
        catch (Exception e)
        {
            return $"{run.Example.Name}: {e.Message}".ReplaceLineEndings(" ");
        }
        finally
        {
            live.TryComplete();
        }
    }

    private static string Json(DemoEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            DemoJson.Write(json, e);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static async Task SendAsync(HttpResponse response, string name, string data, CancellationToken cancellationToken)
    {
        // Compact JSON and a one-line message have no line breaks, so each is one data: line.
        await response.WriteAsync($"event: {name}\ndata: {data}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
