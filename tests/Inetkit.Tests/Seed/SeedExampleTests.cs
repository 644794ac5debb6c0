using System.Diagnostics;
using System.Net;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Seed;

/// <summary>
/// The seed note's own Python clients, unchanged except for the port, against Inetkit's servers. Needs python3
/// (CI installs it); without it these tests are reported as skipped, not passed.
/// </summary>
public sealed class SeedExampleTests
{
    [Fact]
    public async Task Example1_UdpEchoClient_GetsHelloWorldBack()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { BindAddresses = [IPAddress.Loopback] });

        var (code, output) = await RunSeedAsync("udp_echo_client.py", server.EndPoint(ServiceKind.Echo, Transport.Udp).Port, stdin: null, timeout.Token);

        Assert.Equal(0, code);
        Assert.Matches($@"^sending\.\.\.\nreceiving\.\.\.\nb'Hello World' received from \('127\.0\.0\.1', {server.EndPoint(ServiceKind.Echo, Transport.Udp).Port}\)\n$", output);
    }

    [Fact]
    public async Task Example2_UdpEchoClientWithInput_GetsTheTypedTextBack()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { BindAddresses = [IPAddress.Loopback] });
        int port = server.EndPoint(ServiceKind.Echo, Transport.Udp).Port;

        var (code, output) = await RunSeedAsync("udp_echo_client_input.py", port, stdin: "Hi from the seed\n", timeout.Token);

        Assert.Equal(0, code);
        Assert.Equal($"Text to send: b'Hi from the seed' received from ('127.0.0.1', {port})\n", output);
    }

    [Fact]
    public async Task TcpQotdClient_ReadsTheQuoteInFourByteChunksUntilTheServerCloses()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Qotd, configure: o => o with { BindAddresses = [IPAddress.Loopback] });

        var (code, output) = await RunSeedAsync("tcp_qotd_client.py", server.EndPoint(ServiceKind.Qotd, Transport.Tcp).Port, stdin: null, timeout.Token);

        Assert.Equal(0, code);
        string[] lines = output.TrimEnd('\n').Split('\n');
        string quote = System.Text.Encoding.ASCII.GetString(QuoteBook.BuiltIn[0].Span).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        Assert.Equal("bytearray(b'')", lines[0]);
        Assert.Equal("bytearray(b'Obje')", lines[1]);
        Assert.Equal($"bytearray(b'{quote}')", lines[^1]);
    }

    private static async Task<(int Code, string Output)> RunSeedAsync(string script, int port, string? stdin, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Python.Require())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Python.Seed(script, port));
        using Process process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        Assert.Equal("", await error);
        return (process.ExitCode, await output);
    }
}
