using System.Net;
using System.Net.Sockets;
using Inetkit.Impairment;
using Inetkit.Tracing;

namespace Inetkit.Proxy.Internal;

/// <summary>
/// One client connection relayed to the target: a connection of its own upstream, bytes pumped both ways, a FIN
/// passed on as a FIN (half-close, so that the other way goes on), a reset passed on as a reset.
/// </summary>
internal sealed class TcpRelay(Socket client, InetProxyOptions options, ProxyCounters counters, Tracer trace, ImpairmentSpec impairment)
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
            // The impairment in force when the connection opened stays its own (a change applies to new connections).
            int seed = impairment.Seed ?? Random.Shared.Next();
            Task up = Pump(client, upstream, up: true, impairment.StreamUp, seed, stop);
            Task down = Pump(upstream, client, up: false, impairment.StreamDown, seed + 1, stop);
            await Task.WhenAll(up, down);
            trace.Call($"{from}: close()");
        }
    }

    private Task Pump(Socket source, Socket destination, bool up, StreamImpairment toxics, int seed, CancellationToken stop) =>
        toxics.IsNone ? PumpAsync(source, destination, up, stop) : PumpImpairedAsync(source, destination, up, toxics, seed, stop);

    /// <summary>
    /// As <see cref="PumpAsync"/>, through the toxics: they deliver on their own schedule, and when one of them ends
    /// the connection (timeout, reset, limit-data), the source side ends with it, as toxiproxy closes both.
    /// </summary>
    private async Task PumpImpairedAsync(Socket source, Socket destination, bool up, StreamImpairment toxics, int seed, CancellationToken stop)
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(stop);
        await using var impairer = new StreamImpairer(toxics, seed, options.TimeProvider, new SocketStreamSink(destination));
        string toward = up ? "server" : "client";
        _ = impairer.Ended.ContinueWith(
            ended =>
            {
                if (ended.Result is StreamEnd.Timeout or StreamEnd.Reset or StreamEnd.LimitData or StreamEnd.Failed)
                {
                    trace.Call($"impairment ended the stream toward the {toward}: {ended.Result}");
                    reading.Cancel();
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
        byte[] buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                int read = await source.ReceiveAsync(buffer, SocketFlags.None, reading.Token);
                if (read == 0)
                {
                    await impairer.CompleteAsync(stop);
                    trace.Call($"{(up ? "client" : "server")} sent FIN -> passed on toward the {toward} after the toxics");
                    return;
                }
                Interlocked.Add(ref up ? ref counters.BytesUp : ref counters.BytesDown, read);
                if (!await impairer.WriteAsync(buffer.AsMemory(0, read), stop))
                {
                    return;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.OperationAborted)
        {
            if (Interlocked.Exchange(ref _reset, 1) == 0)
            {
                Reset(destination);
                Reset(source);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // Stopping, or a toxic ended the connection (the continuation above closed the source).
        }
    }

    /// <summary>Reads from <paramref name="source"/> and writes to <paramref name="destination"/> until a FIN, a reset or the stop.</summary>
    private async Task PumpAsync(Socket source, Socket destination, bool up, CancellationToken stop)
    {
        byte[] buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                int read = await source.ReceiveAsync(buffer, SocketFlags.None, stop);
                if (read == 0)
                {
                    // The half-close goes on as one: the other direction keeps flowing until its own FIN.
                    destination.Shutdown(SocketShutdown.Send);
                    trace.Call($"{(up ? "client" : "server")} sent FIN -> shutdown(SHUT_WR) toward the {(up ? "server" : "client")}");
                    return;
                }
                await destination.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stop);
                Interlocked.Add(ref up ? ref counters.BytesUp : ref counters.BytesDown, read);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.OperationAborted)
        {
            // A reset on either side is a reset on both: the peer learns of it as it would without us in between.
            if (Interlocked.Exchange(ref _reset, 1) == 0)
            {
                trace.Call($"{(up ? "client" : "server")} reset the connection -> reset toward the {(up ? "server" : "client")}");
                Reset(destination);
                Reset(source);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // Stopping, or the other pump reset both sockets.
        }
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
