using System.Net;
using System.Net.Sockets;
using Inetkit.Impairment;
using Inetkit.Tracing;

namespace Inetkit.Proxy.Internal;

/// <summary>
/// One client connection relayed to the target: a connection of its own upstream, bytes pumped both ways, a FIN
/// passed on as a FIN (half-close, so that the other way goes on), a reset passed on as a reset.
/// </summary>
internal sealed class TcpRelay(Socket client, InetProxyOptions options, ProxyCounters counters, Tracer trace, ConnectionToxics toxics)
{
    private const int BufferSize = 64 * 1024;

    private int _reset;

    public async Task RunAsync(CancellationToken stop)
    {
        using (client)
        using (var upstream = new Socket(options.Target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true })
        {
            client.NoDelay = true;
            string from = Tracer.Of(client.RemoteEndPoint);
            try
            {
                using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                connectTimeout.CancelAfter(options.ConnectTimeout);
                await upstream.ConnectAsync(options.Target, connectTimeout.Token);
                trace.Call($"{from}: connect({options.Target}) -> from {upstream.LocalEndPoint}");
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // The target refused or is silent: the client is told as the target would tell it, by a reset.
                Interlocked.Increment(ref counters.ConnectionsRefused);
                trace.Call($"{from}: connect({options.Target}) -> {(e is SocketException s ? s.SocketErrorCode.ToString() : "timed out")}; resetting the client");
                Reset(client);
                return;
            }
            Interlocked.Increment(ref counters.Connections);
            await RelayAsync(upstream, default, default, stop);
            trace.Call($"{from}: close()");
        }
    }

    /// <summary>
    /// Where one direction of a connection relayed so far elsewhere (<see cref="Linux.EpollRelay"/>) stands when
    /// toxics come for it: what was read and not yet taken by the destination, whether the source has sent its
    /// FIN, and whether that FIN has been passed on already.
    /// </summary>
    public readonly record struct PumpStart(ReadOnlyMemory<byte> Owed, bool SourceEnded, bool FinPassed);

    /// <summary>Relays, through the toxics from now on, a connection whose upstream is already connected.</summary>
    public async Task ContinueAsync(Socket upstream, PumpStart up, PumpStart down, CancellationToken stop)
    {
        using (client)
        using (upstream)
        {
            await RelayAsync(upstream, up, down, stop);
        }
    }

    private async Task RelayAsync(Socket upstream, PumpStart up, PumpStart down, CancellationToken stop)
    {
        int seed = toxics.Current().Seed ?? Random.Shared.Next();
        Task pumpUp = PumpAsync(client, upstream, up: true, seed, up, stop);
        Task pumpDown = PumpAsync(upstream, client, up: false, seed + 1, down, stop);
        await Task.WhenAll(pumpUp, pumpDown);
    }

    /// <summary>
    /// Reads from <paramref name="source"/> and writes to <paramref name="destination"/> until a FIN, a reset or the
    /// stop: straight through while this direction has no toxics, through a <see cref="StreamImpairer"/> while it has.
    /// The toxics are looked at again whenever the proxy's change: what the old ones hold is delivered first, so the
    /// stream's order is kept, and the connection stays open.
    /// </summary>
    private async Task PumpAsync(Socket source, Socket destination, bool up, int seed, PumpStart start, CancellationToken stop)
    {
        if (start.FinPassed)
        {
            return;
        }
        string toward = up ? "server" : "client";
        byte[] buffer = new byte[BufferSize];
        // Not disposed: a toxic's end may be told after the pump is gone.
        var endedByToxic = new CancellationTokenSource();
        StreamImpairment? current = null;
        StreamImpairer? impairer = null;
        CancellationTokenSource? reading = null;
        try
        {
            // What was read before toxics came goes first, as it would have without them: they act from the next chunk.
            if (!start.Owed.IsEmpty)
            {
                await destination.SendAsync(start.Owed, SocketFlags.None, stop);
            }
            if (start.SourceEnded)
            {
                destination.Shutdown(SocketShutdown.Send);
                return;
            }
            while (true)
            {
                if (reading is null)
                {
                    // A new generation of the proxy's impairment: the token first, so that a change after it wakes us.
                    reading = CancellationTokenSource.CreateLinkedTokenSource(stop, toxics.Changed, endedByToxic.Token);
                    ImpairmentSpec spec = toxics.Current();
                    StreamImpairment next = up ? spec.StreamUp : spec.StreamDown;
                    if (!next.Equals(current))
                    {
                        if (impairer is not null && await RetireAsync(impairer, handOver: true, stop) != StreamEnd.HandedOver)
                        {
                            impairer = null;
                            return;
                        }
                        impairer = next.IsNone ? null : Impair(source, destination, next, seed, toward, endedByToxic);
                        if (current is not null)
                        {
                            trace.Call($"toxics toward the {toward} now: {next.Describe()}");
                        }
                        current = next;
                    }
                }
                int read;
                try
                {
                    read = await source.ReceiveAsync(buffer, SocketFlags.None, reading.Token);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested && !endedByToxic.IsCancellationRequested)
                {
                    // The impairment changed while this side was quiet.
                    reading.Dispose();
                    reading = null;
                    continue;
                }
                if (read == 0)
                {
                    // The half-close goes on as one: the other direction keeps flowing until its own FIN.
                    if (impairer is null)
                    {
                        destination.Shutdown(SocketShutdown.Send);
                    }
                    else
                    {
                        await impairer.CompleteAsync(stop);
                    }
                    trace.Call($"{(up ? "client" : "server")} sent FIN -> shutdown(SHUT_WR) toward the {toward}{(impairer is null ? "" : " after the toxics")}");
                    return;
                }
                Interlocked.Add(ref up ? ref counters.BytesUp : ref counters.BytesDown, read);
                if (impairer is null)
                {
                    await destination.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stop);
                }
                else if (!await impairer.WriteAsync(buffer.AsMemory(0, read), stop))
                {
                    return;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.OperationAborted)
        {
            // A reset on either side is a reset on both: the peer learns of it as it would without us in between.
            if (!endedByToxic.IsCancellationRequested && Interlocked.Exchange(ref _reset, 1) == 0)
            {
                trace.Call($"{(up ? "client" : "server")} reset the connection -> reset toward the {toward}");
                Reset(destination);
                Reset(source);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // Stopping, the other pump reset both sockets, or a toxic ended the connection (the source is closed).
        }
        finally
        {
            reading?.Dispose();
            if (impairer is not null)
            {
                await RetireAsync(impairer, handOver: false, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// A <see cref="StreamImpairer"/> toward <paramref name="destination"/>; when one of its toxics ends the
    /// connection (timeout, reset, limit-data), the source side ends with it, as toxiproxy closes both.
    /// </summary>
    private StreamImpairer Impair(Socket source, Socket destination, StreamImpairment toxics, int seed, string toward, CancellationTokenSource endedByToxic)
    {
        var impairer = new StreamImpairer(toxics, seed, options.TimeProvider, new SocketStreamSink(destination));
        _ = impairer.Ended.ContinueWith(
            ended =>
            {
                if (ended.Result is StreamEnd.Timeout or StreamEnd.Reset or StreamEnd.LimitData or StreamEnd.Failed)
                {
                    trace.Call($"impairment ended the stream toward the {toward}: {ended.Result}");
                    endedByToxic.Cancel();
                    if (ended.Result == StreamEnd.Reset)
                    {
                        Reset(source);
                    }
                    else
                    {
                        source.Dispose();
                    }
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return impairer;
    }

    /// <summary>Hands the stream over (or just stops the impairer), counts what it did, and says how its stream ended.</summary>
    private async Task<StreamEnd> RetireAsync(StreamImpairer impairer, bool handOver, CancellationToken stop)
    {
        StreamEnd end = impairer.EndedBy;
        try
        {
            if (handOver)
            {
                end = await impairer.HandOverAsync(stop);
            }
        }
        finally
        {
            await impairer.DisposeAsync();
            counters.Add(new ImpairmentCounters { Delayed = impairer.Counters.ChunksDelayed });
        }
        return end;
    }

    /// <summary>SO_LINGER 0, then close: the kernel sends RST instead of FIN.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        socket.Dispose();
    }
}
