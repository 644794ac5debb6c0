using System.Net;
using System.Net.Sockets;
using Inetkit.Cli;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary>
/// <c>--metrics</c> of serve (option and config key) and proxy: the address said on stderr, the counts served there
/// under the service's or the proxy's name, and one line when the port is taken.
/// </summary>
public sealed class MetricsCommandTests : IDisposable
{
    private static readonly HttpClient Http = new();
    private readonly Programs _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("9464", "127.0.0.1:9464")]
    [InlineData(":0", "127.0.0.1:0")]
    [InlineData("localhost", "127.0.0.1:9464")]
    [InlineData("localhost:9100", "127.0.0.1:9100")]
    [InlineData("127.0.0.1", "127.0.0.1:9464")]
    [InlineData("0.0.0.0:9464", "0.0.0.0:9464")]
    [InlineData("::1", "[::1]:9464")]
    [InlineData("[::1]", "[::1]:9464")]
    [InlineData("[::1]:8000", "[::1]:8000")]
    public void Address_PortAloneIsLoopback_AddressAloneGets9464(string text, string expected) =>
        Assert.Equal(IPEndPoint.Parse(expected), MetricsAddress.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("nowhere")]
    [InlineData("70000")]
    [InlineData("127.0.0.1:")]
    [InlineData("example.org:9464")]
    public void Address_WhatIsNoEndpoint_IsRefused(string text) => Assert.Null(MetricsAddress.Parse(text));

    [Fact]
    public async Task Serve_MetricsFromTheConfigFile_SaidOnStderr_CountsTheServiceByItsName()
    {
        using var timeout = TestTimeout.Create();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        string name = $"echo-{Guid.NewGuid():N}";
        string config = Path.Combine(_files.Directory, "serve.toml");
        await File.WriteAllTextAsync(config, $"[defaults]\nmetrics = \"127.0.0.1:0\"\nbind = \"127.0.0.1\"\ntcp = true\n[service.{name}]\nbuiltin = \"echo\"\nport = 0\n", timeout.Token);
        var cli = new CliRunner();

        Task<int> run = cli.RunAsync(stop.Token, "serve", "--config", config);
        string said = await cli.Err.WaitForLineAsync(l => l.StartsWith("inetkit: metrics on ", StringComparison.Ordinal), timeout.Token);
        var metrics = new Uri(said["inetkit: metrics on ".Length..]);
        IPEndPoint echo = IPEndPoint.Parse(cli.Out.Lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);
        await Net.ExchangeAsync(echo, Transport.Tcp, "hi"u8.ToArray(), timeout.Token);
        string exposition = await Http.GetStringAsync(metrics, timeout.Token);
        await stop.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(timeout.Token));
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/metrics$", metrics.ToString());
        Assert.Contains($"inetkit_connections_accepted_total{{service=\"{name}\",transport=\"tcp\"}} 1\n", exposition, StringComparison.Ordinal);
        Assert.DoesNotContain("warning", cli.Err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_MetricsPortInUse_ExitsOneWithOneLine_ServingNothing()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        int port = ((IPEndPoint)holder.LocalEndPoint!).Port;

        var (code, output, error) = await CliRunner.RunToEndAsync("serve", "echo", "--port", "0", "--bind", "127.0.0.1", "--metrics", port.ToString());

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal($"inetkit: cannot serve metrics on 127.0.0.1:{port}: address already in use; stop whatever holds it (ss -lntp shows it) or give --metrics another port\n", error);
    }

    [Fact]
    public async Task Proxy_Metrics_CountWhatItRelays_UnderItsName_AndHealthzSaysItRuns()
    {
        using var timeout = TestTimeout.Create();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        await using Inetkit.Hosting.InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        string name = $"proxy-{Guid.NewGuid():N}";
        var cli = new CliRunner();

        Task<int> run = cli.RunAsync(stop.Token, "proxy", "--to", server.EndPoint(ServiceKind.Echo, Transport.Tcp).ToString(), "--tcp", "--name", name, "--metrics", "0");
        string said = await cli.Err.WaitForLineAsync(l => l.StartsWith("inetkit: metrics on ", StringComparison.Ordinal), timeout.Token);
        var metrics = new Uri(said["inetkit: metrics on ".Length..]);
        string listening = await cli.Out.WaitForLineAsync(l => l.StartsWith("proxy ", StringComparison.Ordinal), timeout.Token);
        await Net.ExchangeAsync(IPEndPoint.Parse(listening.Split(' ')[2]), Transport.Tcp, "hello"u8.ToArray(), timeout.Token);
        string exposition = await ScrapeUntilAsync(metrics, $"inetkit_proxy_relayed_bytes_total{{direction=\"down\",proxy=\"{name}\"}} 5\n", timeout.Token);
        using HttpResponseMessage health = await Http.GetAsync(new Uri(metrics, "/healthz"), timeout.Token);
        await stop.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(timeout.Token));
        Assert.Contains($"inetkit_proxy_connections_total{{proxy=\"{name}\"}} 1\n", exposition, StringComparison.Ordinal);
        Assert.Contains($"inetkit_proxy_relayed_bytes_total{{direction=\"up\",proxy=\"{name}\"}} 5\n", exposition, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>Scrapes until the exposition holds <paramref name="text"/>: a relay counts its bytes as they pass, after the client has them.</summary>
    private static async Task<string> ScrapeUntilAsync(Uri metrics, string text, CancellationToken cancellationToken)
    {
        while (true)
        {
            string exposition = await Http.GetStringAsync(metrics, cancellationToken);
            if (exposition.Contains(text, StringComparison.Ordinal))
            {
                return exposition;
            }
            await Task.Delay(20, cancellationToken);
        }
    }
}
