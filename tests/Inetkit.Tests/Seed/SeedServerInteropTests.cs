using System.Net;
using System.Net.Sockets;
using Inetkit.Cli;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Seed;

/// <summary>Inetkit's clients against the seed note's own Python servers, unchanged except for the port.</summary>
public sealed class SeedServerInteropTests
{
    [Fact]
    public async Task EchoClient_AgainstTheSeedsOneShotUdpEchoService()
    {
        using var timeout = TestTimeout.Create();
        int port = FreePort(SocketType.Dgram);
        await using ChildProcess server = Python.StartServer("udp_echo_service.py", port);
        await server.Out.WaitForLineAsync(l => l == "receiving...", timeout.Token);

        var (code, output) = await RunAsync(timeout.Token, "echo", $"127.0.0.1:{port}", "--udp", "Hello World");

        Assert.Equal(0, code);
        Assert.Equal("Hello World\n", output);
        Assert.Equal(0, await server.WaitForExitAsync(timeout.Token));
        Assert.Contains("sent b'Hello World'", server.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QotdClient_AgainstTheSeedsTcpQotdService()
    {
        using var timeout = TestTimeout.Create();
        int port = FreePort(SocketType.Stream);
        await using ChildProcess server = Python.StartServer("tcp_qotd_service.py", port);
        await server.Out.WaitForLineAsync(l => l == "listening", timeout.Token);

        var (code, output) = await RunAsync(timeout.Token, "qotd", $"127.0.0.1:{port}", "--chunk-size", "4");

        Assert.Equal(0, code);
        Assert.Equal("Object oriented programs are offered as alternatives to correct ones.\n", output);
    }

    private static async Task<(int Code, string Output)> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var output = new LineWriter();
        var error = new LineWriter();
        int code = await InetkitCli.RunAsync(args, output, error, cancellationToken);
        Assert.Equal("", error.ToString());
        return (code, output.ToString());
    }

    /// <summary>A port the kernel just handed out and took back: the seed's servers take a fixed port, so one must be chosen for them.</summary>
    private static int FreePort(SocketType type)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
