using System.Net;
using System.Net.Sockets;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary>The real process: signals end it with exit 0 after in-flight work, errors end it with one line.</summary>
public sealed class ServeProcessTests
{
    [Theory]
    [InlineData(ChildProcess.SigTerm)]
    [InlineData(ChildProcess.SigInt)]
    public async Task Signal_StopsAccepting_LetsTheOpenEchoFinish_ExitsZero(int signal)
    {
        using var timeout = TestTimeout.Create();
        await using var inetkit = ChildProcess.Start("serve", "echo", "--port", "0", "--tcp", "--bind", "127.0.0.1", "--grace", "20");
        IPEndPoint server = await inetkit.FirstEndPointAsync(timeout.Token);
        using Socket client = await Net.ConnectAsync(server, timeout.Token);
        await Net.SendAllAsync(client, "before"u8.ToArray(), timeout.Token);
        await Net.ReadExactlyAsync(client, 6, timeout.Token);

        inetkit.Signal(signal);
        await inetkit.Err.WaitForLineAsync(l => l.Contains("inetkit: stopping", StringComparison.Ordinal), timeout.Token);
        byte[] data = Net.RandomBytes(300_000);
        Task<byte[]> reading = Net.ReadToEndAsync(client, timeout.Token);
        await Net.SendAllAsync(client, data, timeout.Token);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal(data, await reading);
        Assert.Equal(0, await inetkit.WaitForExitAsync(timeout.Token));
        await Assert.ThrowsAsync<SocketException>(() => Net.ConnectAsync(server, timeout.Token));
    }

    [Fact]
    public async Task Once_ExitsZeroAfterOneExchange()
    {
        using var timeout = TestTimeout.Create();
        await using var inetkit = ChildProcess.Start("serve", "daytime", "--port", "0", "--tcp", "--bind", "127.0.0.1", "--once");
        IPEndPoint server = await inetkit.FirstEndPointAsync(timeout.Token);

        byte[] line = await Net.ExchangeAsync(server, Inetkit.Protocol.Transport.Tcp, [], timeout.Token);

        Assert.Equal(0, await inetkit.WaitForExitAsync(timeout.Token));
        Assert.Matches(@"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\r\n$", System.Text.Encoding.ASCII.GetString(line));
    }

    [Fact]
    public async Task PortInUse_ExitsOneWithOneLine()
    {
        using var timeout = TestTimeout.Create();
        using var holder = Net.Udp(AddressFamily.InterNetwork);
        int port = ((IPEndPoint)holder.LocalEndPoint!).Port;
        await using var inetkit = ChildProcess.Start("serve", "time", "--port", port.ToString(), "--udp", "--bind", "127.0.0.1");

        int code = await inetkit.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, code);
        Assert.Equal([$"inetkit: cannot listen on 127.0.0.1:{port} (time/udp): address already in use; stop whatever holds it (ss -lntup shows it) or choose another port with --port or --port-offset"], inetkit.Err.Lines);
        Assert.Empty(inetkit.Out.Lines);
    }

    [Fact]
    public async Task LowPortWithoutPrivilege_ExitsOneAndSuggestsPortOffset()
    {
        using var timeout = TestTimeout.Create();
        if (int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_unprivileged_port_start").Trim(), System.Globalization.CultureInfo.InvariantCulture) <= 7)
        {
            Assert.Skip("this kernel lets anyone bind port 7 (net.ipv4.ip_unprivileged_port_start)");
        }
        string[] wrapper = [];
        if (Environment.UserName == "root")
        {
            // Root may bind port 7; drop to nobody so the kernel says no.
            if (!File.Exists("/usr/bin/setpriv"))
            {
                Assert.Skip("running as root without setpriv to drop privilege");
            }
            wrapper = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
        }
        await using var inetkit = ChildProcess.StartWrapped(wrapper, "serve", "echo", "--port-offset", "0", "--tcp", "--bind", "127.0.0.1");

        int code = await inetkit.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, code);
        Assert.Equal(["inetkit: cannot listen on 127.0.0.1:7 (echo/tcp): permission denied; ports below 1024 need privilege (root or CAP_NET_BIND_SERVICE); use --port-offset 10000 for unprivileged ports"], inetkit.Err.Lines);
    }
}
