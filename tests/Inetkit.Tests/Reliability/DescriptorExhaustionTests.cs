using System.Net;
using System.Net.Sockets;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// <c>inetkit serve</c> under <c>ulimit -n 256</c> (a real process, through prlimit) with 400 clients: it says so in
/// one line, keeps serving the ones it holds, serves again once they go, and ends with the descriptors it began with.
/// </summary>
public sealed class DescriptorExhaustionTests
{
    [Fact]
    public async Task Serve_OutOfDescriptors_SaysSo_Recovers_AndLeaksNone()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && File.Exists("/usr/bin/prlimit"), "needs Linux and prlimit (util-linux)");
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(60));
        await using var serve = ChildProcess.StartWrapped(["prlimit", "--nofile=256"], "serve", "echo", "--tcp", "--port", "0", "--bind", "127.0.0.1");
        IPEndPoint endPoint = await serve.FirstEndPointAsync(timeout.Token);
        int baseline = await SettledDescriptorsAsync(serve.Id, null, timeout.Token);

        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < 400; i++)
            {
                clients.Add(await Net.ConnectAsync(endPoint, timeout.Token)); // the kernel's backlog takes what the server cannot
            }
            string warning = await serve.Err.WaitForLineAsync(l => l.Contains("out of file descriptors", StringComparison.Ordinal), timeout.Token);
            Assert.StartsWith("inetkit: warning: echo/tcp on 127.0.0.1:", warning, StringComparison.Ordinal);
            Assert.Contains("ulimit -n", warning, StringComparison.Ordinal);
            // Those it holds are served meanwhile.
            await Net.SendAllAsync(clients[0], "held"u8.ToArray(), timeout.Token);
            Assert.Equal("held"u8.ToArray(), await Net.ReadExactlyAsync(clients[0], 4, timeout.Token));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        using (Socket after = await Net.ConnectAsync(endPoint, timeout.Token))
        {
            await Net.SendAllAsync(after, "after"u8.ToArray(), timeout.Token);
            Assert.Equal("after"u8.ToArray(), await Net.ReadExactlyAsync(after, 5, timeout.Token));
        }
        // Every connection is gone: the server's descriptors come back to where they were, give or take two the
        // runtime may open lazily (a leak of one per connection would leave 400 more, and this would time out).
        Assert.InRange(await SettledDescriptorsAsync(serve.Id, baseline + 2, timeout.Token), 0, baseline + 2);
        Assert.Single(serve.Err.Lines, l => l.Contains("out of file descriptors", StringComparison.Ordinal)); // said once, not per client
    }

    /// <summary>The process's open descriptors once they stop changing, or once they are down to <paramref name="target"/>.</summary>
    private static async Task<int> SettledDescriptorsAsync(int pid, int? target, CancellationToken cancellationToken)
    {
        int last = -1;
        while (true)
        {
            int now = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
            if (now <= target || (target is null && now == last))
            {
                return now;
            }
            last = now;
            await Task.Delay(50, cancellationToken);
        }
    }
}
