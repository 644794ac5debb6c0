using System.Net;
using System.Net.Sockets;
using Inetkit.Cli;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Interop;

/// <summary>
/// Inetkit's clients against xinetd's built-in services, a real peer from Debian bound to loopback on free ports.
/// Needs xinetd and root (CI installs it); skipped otherwise.
/// </summary>
public sealed class XinetdInteropTests
{
    [Fact]
    public async Task Clients_AgainstXinetdsBuiltInServices()
    {
        using var timeout = TestTimeout.Create();
        int echo = FreePort(), time = FreePort(), daytime = FreePort(), chargen = FreePort();
        await using Xinetd xinetd = await Xinetd.StartAsync(
            [("echo", "echo-stream", "stream", echo), ("echo", "echo-dgram", "dgram", echo), ("time", "time-stream", "stream", time),
             ("daytime", "daytime-stream", "stream", daytime), ("chargen", "chargen-stream", "stream", chargen)],
            timeout.Token);

        Assert.Equal((0, "Hello World\n"), await RunAsync(timeout.Token, "echo", $"127.0.0.1:{echo}", "Hello World"));
        Assert.Equal((0, "Hello World\n"), await RunAsync(timeout.Token, "echo", $"127.0.0.1:{echo}", "--udp", "Hello World"));
        var (timeCode, timeOut) = await RunAsync(timeout.Token, "time", $"127.0.0.1:{time}");
        Assert.Equal(0, timeCode);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  \(127\.0\.0\.1:\d+; ", timeOut);
        var (daytimeCode, daytimeOut) = await RunAsync(timeout.Token, "daytime", $"127.0.0.1:{daytime}");
        Assert.Equal(0, daytimeCode);
        Assert.NotEqual("\n", daytimeOut);
        // xinetd's chargen rotates through 93 characters instead of RFC 864's 95, which the check catches
        // where line + column first reaches 93: line 22, column 71, byte 22 * 74 + 71 = 1,699.
        var (chargenCode, _) = await RunAsync(timeout.Token, "chargen", $"127.0.0.1:{chargen}", "--bytes", "100000");
        Assert.Equal(5, chargenCode);
    }

    private static async Task<(int Code, string Output)> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var output = new LineWriter();
        var error = new LineWriter();
        int code = await InetkitCli.RunAsync(args, output, error, cancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"{string.Join(' ', args)} -> {code} {error}");
        return (code, output.ToString());
    }

    private static int FreePort()
    {
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)tcp.LocalEndPoint!).Port;
    }
}
