using System.Net;
using System.Net.Sockets;
using System.Text;
using Inetkit.Conformance;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Conformance;

/// <summary>Each echo/tcp case against a server with exactly its defect.</summary>
public sealed class EchoStreamCasesTests
{
    private static readonly CheckOptions Options = new() { Timeout = TimeSpan.FromMilliseconds(500), Retries = 1 };

    private static Task<Dictionary<string, CaseResult>> CheckTcpAsync(IPEndPoint server) => ConformanceChecks.RunAsync(server, ServiceKind.Echo, Options, Transport.Tcp);

    [Fact]
    public async Task AnEchoThatStopsAfter64KB_FailsTheLargeCases_WithWhereItStopped()
    {
        await using var server = DefectServer.Tcp(ConformanceChecks.Reader(echoLimit: 65536));

        Dictionary<string, CaseResult> results = await CheckTcpAsync(server.EndPoint);

        Assert.Equal(Verdict.Fail, results["echo/tcp/1mib-small-pieces"].Verdict);
        Assert.Equal("65,536 bytes where 1,048,576 were expected: the first 65,536 match, then nothing more came (then nothing within 500 ms)", results["echo/tcp/1mib-large-pieces"].Got);
        Assert.Equal(Verdict.Fail, results["echo/tcp/half-close"].Verdict);
        Assert.Equal(Verdict.Pass, results["echo/tcp/one-byte"].Verdict);
        Assert.Equal(Verdict.Pass, results["echo/tcp/line"].Verdict);
    }

    [Fact]
    public async Task AnEchoThatNeverCloses_FailsTheHalfCloseCaseOnly()
    {
        await using var server = DefectServer.Tcp(ConformanceChecks.Reader(echoLimit: long.MaxValue, closeAtEof: false));

        Dictionary<string, CaseResult> results = await CheckTcpAsync(server.EndPoint);

        Assert.Equal((Verdict.Fail, "all 262,144 bytes back, but then nothing within 500 ms: the server did not close after our half-close"), (results["echo/tcp/half-close"].Verdict, results["echo/tcp/half-close"].Got));
        Assert.All(results.Values.Where(r => r.Case.Id != "echo/tcp/half-close"), r => Assert.Equal(Verdict.Pass, r.Verdict));
    }

    [Fact]
    public async Task AnEchoThatClosesAfterItsFirstRead_FailsWhatNeedsMore()
    {
        await using var server = DefectServer.Tcp(async (client, ct) =>
        {
            byte[] buffer = new byte[16384];
            int read = await client.ReceiveAsync(buffer, SocketFlags.None, ct);
            await client.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, ct);
        });

        Dictionary<string, CaseResult> results = await CheckTcpAsync(server.EndPoint);

        Assert.Equal(Verdict.Pass, results["echo/tcp/one-byte"].Verdict);
        Assert.Equal(Verdict.Fail, results["echo/tcp/1mib-large-pieces"].Verdict);
        Assert.EndsWith(")", results["echo/tcp/1mib-large-pieces"].Got, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEchoThatWaitsForEachLine_FailsOneByte_PassesTheLine()
    {
        // Line-buffered, as a server built on readline() is: a byte with no newline after it never comes back
        // (until the client's EOF flushes it).
        await using var server = DefectServer.Tcp(async (client, ct) =>
        {
            var pending = new List<byte>();
            byte[] buffer = new byte[65536];
            int read;
            while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            {
                pending.AddRange(buffer.AsSpan(0, read));
                int end = pending.LastIndexOf((byte)'\n') + 1;
                if (end > 0)
                {
                    await client.SendAsync(pending.GetRange(0, end).ToArray(), SocketFlags.None, ct);
                    pending.RemoveRange(0, end);
                }
            }
            await client.SendAsync(pending.ToArray(), SocketFlags.None, ct);
        });

        Dictionary<string, CaseResult> results = await CheckTcpAsync(server.EndPoint);

        Assert.Equal((Verdict.Fail, "nothing came back, where 1 byte was expected (then nothing within 500 ms)"), (results["echo/tcp/one-byte"].Verdict, results["echo/tcp/one-byte"].Got));
        Assert.Equal(Verdict.Fail, results["echo/tcp/1mib-small-pieces"].Verdict); // its tail after the last newline
        ConformanceChecks.OnlyThese(results, Verdict.Fail, "echo/tcp/one-byte", "echo/tcp/1mib-small-pieces", "echo/tcp/1mib-large-pieces");
    }

    [Fact]
    public async Task AnEchoThatStripsTheLineEnd_FailsTheLine_NamingWhatIsMissing()
    {
        // Python's data.strip(): the CRLF is gone (and any whitespace at either end).
        await using var server = DefectServer.Tcp(async (client, ct) =>
        {
            byte[] buffer = new byte[65536];
            int read;
            while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            {
                await client.SendAsync(Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(buffer, 0, read).Trim()), SocketFlags.None, ct);
            }
        });

        Dictionary<string, CaseResult> results = await ConformanceChecks.RunAsync(server.EndPoint, ServiceKind.Echo, Options, ConformanceSuite.Matching("echo/tcp/*").Where(c => c.Id is "echo/tcp/one-byte" or "echo/tcp/line"), Transport.Tcp);

        Assert.Equal(Verdict.Pass, results["echo/tcp/one-byte"].Verdict);
        Assert.Equal((Verdict.Fail, "11 bytes where 13 were expected: the first 11 match, then nothing more came (then nothing within 500 ms)"), (results["echo/tcp/line"].Verdict, results["echo/tcp/line"].Got));
    }

    [Fact]
    public async Task AnEchoThatServesOneConnectionAtATime_WarnsOnTwoClients_AndSaysTheSecondWaited()
    {
        // accept(), echo until EOF, accept() again: the second client's connect completes in the backlog and waits.
        var oneAtATime = new SemaphoreSlim(1);
        Func<Socket, CancellationToken, Task> echo = ConformanceChecks.Reader(echoLimit: long.MaxValue);
        await using var server = DefectServer.Tcp(async (client, ct) =>
        {
            await oneAtATime.WaitAsync(ct);
            try
            {
                await echo(client, ct);
            }
            finally
            {
                oneAtATime.Release();
            }
        });

        Dictionary<string, CaseResult> results = await CheckTcpAsync(server.EndPoint);

        Assert.Equal(
            (Verdict.Warn, "the second connection: no echo within 500 ms (or the server closed) while the first stayed open: the server serves one client at a time; it came once the first closed"),
            (results["echo/tcp/two-clients"].Verdict, results["echo/tcp/two-clients"].Got));
        ConformanceChecks.OnlyThese(results, Verdict.Warn, "echo/tcp/two-clients");
    }

    [Fact]
    public async Task AnEchoThatDiesOfAReset_WarnsOnSurvivesReset_AndSaysNothingListens()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads the connection's state from TCP_INFO");
        // Each connection served on its own, and the program ends (a C server's SIGPIPE, an uncaught
        // ConnectionResetError) once a client has reset. It is found at the next accept, from the kernel's own
        // state of the connection, so that the death comes before that client is served, every time.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        var open = new List<Socket>();
        var handlers = new List<Task>();
        Task accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    Socket client = await listener.AcceptAsync(TestContext.Current.CancellationToken);
                    lock (open)
                    {
                        if (open.Any(WasReset))
                        {
                            client.Dispose();
                            listener.Dispose();
                            return;
                        }
                        open.Add(client);
                    }
                    handlers.Add(EchoAsync(client, open));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }, TestContext.Current.CancellationToken);

        ServiceCheck check = await ConformanceRunner.RunAsync(endPoint, ServiceKind.Echo, Transport.Tcp, ConformanceSuite.All.Where(c => !ConformanceChecks.IsShared(c)), Options, TestContext.Current.CancellationToken);
        listener.Dispose();
        await accepting;
        lock (open)
        {
            open.ForEach(c => c.Dispose());
        }
        await Task.WhenAll(handlers);

        CaseResult reset = Assert.Single(check.Results, r => r.Case.Id == "echo/tcp/survives-reset");
        Assert.Equal((Verdict.Warn, "connection 1 after the reset: no echo within 500 ms (or the server closed)"), (reset.Verdict, reset.Got));
        Assert.All(check.Results.TakeWhile(r => r != reset), r => Assert.True(r.Verdict == Verdict.Pass, $"{r.Case.Id}: {r.Got}"));
    }

    /// <summary>Echoes until the client's FIN; a connection that ends well leaves <paramref name="open"/> before its close.</summary>
    private static async Task EchoAsync(Socket client, List<Socket> open)
    {
        try
        {
            await ConformanceChecks.Reader(echoLimit: long.MaxValue)(client, TestContext.Current.CancellationToken);
            lock (open)
            {
                open.Remove(client);
            }
            client.Shutdown(SocketShutdown.Send);
            client.Dispose();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    /// <summary>TCP_INFO's first byte is the state: TCP_CLOSE (7) for a connection still open here is one the client reset.</summary>
    private static bool WasReset(Socket connection)
    {
        const int IpProtoTcp = 6, TcpInfo = 11, TcpClose = 7;
        byte[] info = new byte[8];
        return connection.GetRawSocketOption(IpProtoTcp, TcpInfo, info) > 0 && info[0] == TcpClose;
    }
}
