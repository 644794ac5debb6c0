using System.Net;
using System.Net.Sockets;
using System.Text;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary>
/// serve under systemd-socket-activate, which passes sockets as systemd does (LISTEN_FDS, LISTEN_FDNAMES) and
/// starts the program at the first connection: the sockets are served as given, and sd_notify's messages go to a
/// NOTIFY_SOCKET of the test's own. One invocation makes all its sockets datagram or all stream, so TCP and UDP
/// take two, the outer passing its sockets through the inner.
/// </summary>
public sealed class SocketActivationTests : IDisposable
{
    private readonly Programs _programs = new();

    public void Dispose() => _programs.Dispose();

    [Fact]
    public async Task PassedSockets_AreServedByTheServicesTheyName_AndNotifyTellsReadyReloadingStopping()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/systemd-socket-activate"), "systemd-socket-activate (Debian's systemd) is not installed");
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(60));
        int[] ports = FreePorts.ForTcpAndUdp(2);
        string config = Path.Combine(_programs.Directory, "serve.toml");
        // The file's ports are not the sockets': systemd says where each service listens.
        await File.WriteAllTextAsync(config, "[service.echo]\nport = 1\n[service.cat]\nexec = [\"/bin/cat\"]\nport = 2\ntcp = true\n", timeout.Token);
        using var notify = new Notifications(Path.Combine(_programs.Directory, "notify.sock"));

        await using var inetkit = ChildProcess.StartWrapped(
            [
                "systemd-socket-activate", "-l", $"127.0.0.1:{ports[0]}", "-l", $"127.0.0.1:{ports[1]}", "--fdname=echo.tcp:cat",
                "systemd-socket-activate", "-d", "-l", $"127.0.0.1:{ports[0]}", "--fdname=echo", "-E", $"NOTIFY_SOCKET={notify.Path}",
            ],
            "serve", "--config", config);
        // The program starts at the first connection, which waits in the backlog meanwhile.
        await inetkit.Err.WaitForLineAsync(l => l.StartsWith($"Listening on 127.0.0.1:{ports[1]} ", StringComparison.Ordinal), timeout.Token);
        using Socket first = await Net.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ports[0]), timeout.Token);
        Assert.StartsWith("READY=1\nSTATUS=serving 3 sockets", await notify.NextAsync(timeout.Token), StringComparison.Ordinal);

        await Net.SendAllAsync(first, "tcp"u8.ToArray(), timeout.Token);
        Assert.Equal("tcp", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(first, 3, timeout.Token)));
        Assert.Equal("udp", Encoding.ASCII.GetString(await Net.UdpExchangeAsync(new IPEndPoint(IPAddress.Loopback, ports[0]), "udp"u8.ToArray(), timeout.Token)));
        Assert.Equal("cat", Encoding.ASCII.GetString(await Net.ExchangeAsync(new IPEndPoint(IPAddress.Loopback, ports[1]), Inetkit.Protocol.Transport.Tcp, "cat"u8.ToArray(), timeout.Token)));

        inetkit.Signal(ChildProcess.SigHup);
        Assert.StartsWith("RELOADING=1\nMONOTONIC_USEC=", await notify.NextAsync(timeout.Token), StringComparison.Ordinal);
        Assert.StartsWith("READY=1", await notify.NextAsync(timeout.Token), StringComparison.Ordinal);
        await Net.SendAllAsync(first, "again"u8.ToArray(), timeout.Token);
        Assert.Equal("again", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(first, 5, timeout.Token)));

        first.Shutdown(SocketShutdown.Send);
        await Net.ReadToEndAsync(first, timeout.Token);
        inetkit.Signal(ChildProcess.SigTerm);
        Assert.StartsWith("STOPPING=1", await notify.NextAsync(timeout.Token, skipStatus: true), StringComparison.Ordinal);
        Assert.Equal(0, await inetkit.WaitForExitAsync(timeout.Token));
    }

    [Theory]
    [InlineData("nosuch", "socket 'nosuch' passed by systemd names no service here (services: echo)")]
    [InlineData("echo.udp", "socket 'echo.udp' passed by systemd is a stream (TCP) socket, not udp")]
    public async Task ASocketServeCannotPlace_OneLineNamingIt_ExitOne(string name, string expected)
    {
        Assert.SkipUnless(File.Exists("/usr/bin/systemd-socket-activate"), "systemd-socket-activate (Debian's systemd) is not installed");
        using var timeout = TestTimeout.Create();
        int port = FreePorts.ForTcpAndUdp(1)[0];
        await using var inetkit = ChildProcess.StartWrapped(["systemd-socket-activate", "-l", $"127.0.0.1:{port}", $"--fdname={name}"], "serve", "echo");
        await inetkit.Err.WaitForLineAsync(l => l.StartsWith("Listening on ", StringComparison.Ordinal), timeout.Token);
        using Socket trigger = await Net.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);

        Assert.Equal(1, await inetkit.WaitForExitAsync(timeout.Token));
        Assert.Contains(inetkit.Err.Lines, l => l.StartsWith($"inetkit: {expected}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WatchdogUsecForThisProcess_PingsComeAtHalfTheInterval()
    {
        using var timeout = TestTimeout.Create();
        using var notify = new Notifications(Path.Combine(_programs.Directory, "notify.sock"));
        // WATCHDOG_PID is the pid systemd started, which exec keeps: the shell's own.
        await using var inetkit = ChildProcess.StartWrapped(
            ["sh", "-c", "WATCHDOG_PID=$$ WATCHDOG_USEC=200000 NOTIFY_SOCKET=\"$0\" exec \"$@\"", notify.Path],
            "serve", "echo", "--port", "0", "--bind", "127.0.0.1");

        // The pings start with the notifier, so the first may come before READY=1.
        var seen = new List<string>();
        while (seen.Count(m => m == "WATCHDOG=1") < 3 || !seen.Any(m => m.StartsWith("READY=1", StringComparison.Ordinal)))
        {
            seen.Add(await notify.NextAsync(timeout.Token, skipStatus: true));
        }
        Assert.All(seen, m => Assert.True(m == "WATCHDOG=1" || m.StartsWith("READY=1", StringComparison.Ordinal), m));
        inetkit.Signal(ChildProcess.SigTerm);
        Assert.Equal(0, await inetkit.WaitForExitAsync(timeout.Token));
    }

    /// <summary>The test's own NOTIFY_SOCKET: each datagram is one sd_notify message.</summary>
    private sealed class Notifications : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

        public Notifications(string path)
        {
            Path = path;
            _socket.Bind(new UnixDomainSocketEndPoint(path));
        }

        public string Path { get; }

        /// <summary>The next message; with <paramref name="skipStatus"/>, the next that is not only a STATUS= update.</summary>
        public async Task<string> NextAsync(CancellationToken cancellationToken, bool skipStatus = false)
        {
            var buffer = new byte[4096];
            while (true)
            {
                int length = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                string message = Encoding.UTF8.GetString(buffer, 0, length);
                if (!(skipStatus && message.StartsWith("STATUS=", StringComparison.Ordinal)))
                {
                    return message;
                }
            }
        }

        public void Dispose() => _socket.Dispose();
    }
}
