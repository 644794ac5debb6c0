using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// SIGTERM while 50 clients stream through echo and half of them never finish: the process exits 0 once the grace
/// is over, every client that finished got back every byte, and every other one is told by a reset. None reads a
/// clean end of stream short of what it sent.
/// </summary>
[Collection(Alone.Name)]
public sealed class StopUnderLoadTests
{
    private const int Clients = 50;

    [Fact]
    public async Task SigtermUnderLoad_ExitsZero_FinishedClientsGetEverything_OthersAreReset()
    {
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(60));
        await using var serve = ChildProcess.Start("serve", "echo", "--port", "0", "--tcp", "--bind", "127.0.0.1", "--grace", "2");
        IPEndPoint endPoint = await serve.FirstEndPointAsync(timeout.Token);
        var sockets = new List<Socket>();
        for (int i = 0; i < Clients; i++)
        {
            sockets.Add(await Net.ConnectAsync(endPoint, timeout.Token));
        }
        try
        {
            // Even clients send 512 KB and half-close, so they finish within the grace; odd ones never stop sending.
            var streams = sockets.Select((socket, i) => Stream.Start(socket, finishes: i % 2 == 0, i, timeout.Token)).ToList();
            await Task.WhenAll(streams.Select(s => s.Served)); // each has had bytes echoed: accepted and being served

            var clock = Stopwatch.StartNew();
            serve.Signal(ChildProcess.SigTerm);
            Assert.Equal(0, await serve.WaitForExitAsync(timeout.Token));
            TimeSpan exitedAfter = clock.Elapsed;

            Outcome[] outcomes = await Task.WhenAll(streams.Select(s => s.Done));
            for (int i = 0; i < Clients; i++)
            {
                Outcome o = outcomes[i];
                if (i % 2 == 0)
                {
                    Assert.True(!o.Reset && o.Received == o.Sent, $"client {i} finished in time: {o}");
                }
                else
                {
                    // A reset is reported to whichever of the client's calls meets it first, its send or its receive.
                    Assert.True(o.Reset, $"client {i} was cut off without a reset: {o}");
                }
            }
            Assert.True(exitedAfter < TimeSpan.FromSeconds(20), $"exited {exitedAfter.TotalSeconds:0.0} s after SIGTERM, with a grace of 2 s");
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    private sealed record Outcome(long Sent, long Received, bool Reset);

    private sealed record Stream(Task Served, Task<Outcome> Done)
    {
        public static Stream Start(Socket socket, bool finishes, int seed, CancellationToken cancellationToken)
        {
            var served = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long sent = 0;
            bool sendReset = false;
            Task send = Task.Run(async () =>
            {
                byte[] chunk = Net.RandomBytes(16 * 1024, seed);
                try
                {
                    for (int i = 0; !finishes || i < 32; i++)
                    {
                        await socket.SendAsync(chunk, SocketFlags.None, cancellationToken);
                        Interlocked.Add(ref sent, chunk.Length);
                    }
                    socket.Shutdown(SocketShutdown.Send);
                }
                catch (SocketException)
                {
                    sendReset = true;
                }
            }, cancellationToken);
            Task<Outcome> done = Task.Run(async () =>
            {
                byte[] buffer = new byte[64 * 1024];
                long received = 0;
                bool receiveReset = false;
                try
                {
                    int read;
                    while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
                    {
                        received += read;
                        served.TrySetResult();
                    }
                }
                catch (SocketException)
                {
                    receiveReset = true;
                }
                served.TrySetResult();
                await send.WaitAsync(cancellationToken);
                return new Outcome(Interlocked.Read(ref sent), received, sendReset || receiveReset);
            }, cancellationToken);
            return new Stream(served.Task, done);
        }
    }
}
