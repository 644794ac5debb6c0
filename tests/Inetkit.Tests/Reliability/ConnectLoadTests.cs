using System.Net;
using System.Net.Sockets;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// Issue #11: short exchanges from fewer clients than the connection cap, as fast as the clients can go, against the
/// real process (whose socket completions run inline on the epoll thread, where the starvation lived). Before the
/// fix, 16 clients against --max-connections 32 saw thousands of transactions refused: the accept loop kept the
/// thread from ever collecting the clients' FINs, so finished connections piled up against the cap.
/// </summary>
[Collection(Alone.Name)]
public sealed class ConnectLoadTests
{
    private const int Clients = 16;
    private const int ExchangesPerClient = 1500;

    [Theory]
    [InlineData("daytime")]
    [InlineData("qotd")]
    public async Task ManyShortExchanges_FewerClientsThanASmallCap_NoneRefused(string service)
    {
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(120));
        await using var inetkit = ChildProcess.Start("serve", service, "--port", "0", "--tcp", "--bind", "127.0.0.1", "--max-connections", "32");
        IPEndPoint server = await inetkit.FirstEndPointAsync(timeout.Token);

        // Blocking sockets on threads of their own: the tightest loop a client can run, as the C load generator's.
        Task<Tally>[] clients = [.. Enumerable.Range(0, Clients).Select(_ => Task.Factory.StartNew(
            () => Exchange(server, ExchangesPerClient, timeout.Token), timeout.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default))];
        Tally[] tallies = await Task.WhenAll(clients);

        int served = tallies.Sum(t => t.Served);
        Assert.Equal((0, 0, null), (tallies.Sum(t => t.Reset), tallies.Sum(t => t.Empty), tallies.Select(t => t.FirstError).FirstOrDefault(e => e is not null)));
        Assert.Equal(Clients * ExchangesPerClient, served);
        Assert.DoesNotContain(inetkit.Err.Lines, l => l.Contains("refused", StringComparison.Ordinal));
    }

    private sealed record Tally(int Served, int Reset, int Empty, string? FirstError);

    /// <summary>connect, read until the server closes, close: the daytime and qotd client of RFC 865 and 867.</summary>
    private static Tally Exchange(IPEndPoint server, int count, CancellationToken cancellationToken)
    {
        int served = 0, reset = 0, empty = 0;
        string? first = null;
        byte[] buffer = new byte[1024];
        for (int i = 0; i < count && !cancellationToken.IsCancellationRequested; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Connect(server);
                int total = 0;
                byte last = 0;
                for (int read; (read = socket.Receive(buffer)) > 0;)
                {
                    total += read;
                    last = buffer[read - 1];
                }
                if (total > 0 && last == (byte)'\n')
                {
                    served++;
                }
                else
                {
                    empty++;
                    first ??= $"exchange {i}: {total} bytes, not a whole line";
                }
            }
            catch (SocketException e)
            {
                reset++;
                first ??= $"exchange {i}: {e.SocketErrorCode}: {e.Message}";
            }
        }
        return new Tally(served, reset, empty, first);
    }
}
