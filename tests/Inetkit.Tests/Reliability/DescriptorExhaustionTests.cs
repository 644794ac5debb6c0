using System.Net;
using System.Net.Sockets;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// Real processes under <c>ulimit -n 256</c> (through prlimit). <c>inetkit serve</c> with 400 clients says so in one
/// line, keeps serving the ones it holds, serves again once they go, and ends with the descriptors it began with.
/// <c>inetkit scan</c> asked for 1,000 probes in flight slows down to what the limit leaves and reports exactly the
/// right ports.
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

    [Fact]
    public async Task Scan_UnderTheSameLimit_SlowsDown_AndReportsExactlyTheRightPorts()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && File.Exists("/usr/bin/prlimit"), "needs Linux and prlimit (util-linux)");
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(60));
        var listeners = Enumerable.Range(0, 3).Select(_ => Listen()).ToList();
        try
        {
            int[] open = [.. listeners.Select(l => ((IPEndPoint)l.LocalEndPoint!).Port).Order()];
            string ports = string.Join(",", open.Select(p => $"{p - 300}-{p + 300}"));
            int scanned = open.SelectMany(p => Enumerable.Range(p - 300, 601)).Distinct().Count();

            await using var scan = ChildProcess.StartWrapped(["prlimit", "--nofile=256"], "scan", "127.0.0.1", "-p", ports, "--concurrency", "1000", "--format", "csv", "--show-closed");

            Assert.Equal(0, await scan.WaitForExitAsync(timeout.Token));
            string[][] rows = [.. scan.Out.Lines.Skip(1).Select(l => l.Split(','))];
            int[] reported = [.. rows.Where(f => f[4] == "open").Select(f => int.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture))];
            Assert.Equal(scanned, rows.Length);
            // Short of descriptors, a probe waits and tries again: no port may come out "filtered" for it.
            Assert.All(rows, f => Assert.True(f[4] is "open" or "closed", $"port {f[3]}: {f[4]}"));
            // Ports near the listeners may belong to other tests' short-lived listeners: ours must all be there.
            Assert.Subset(reported.ToHashSet(), open.ToHashSet());
            Assert.Contains(scan.Err.Lines, l => l.StartsWith("inetkit: note: Concurrency lowered from 1,000 to ", StringComparison.Ordinal) && l.Contains("ulimit -n", StringComparison.Ordinal));
        }
        finally
        {
            listeners.ForEach(l => l.Dispose());
        }
    }

    private static Socket Listen()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        return socket;
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
