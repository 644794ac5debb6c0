using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Metrics;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Metrics;

/// <summary>The Prometheus endpoint over HTTP: /healthz through the stop, the two exposition formats, a port in use.</summary>
public sealed class MetricsEndpointTests
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task Healthz_Is200WhileServing_And503OnceTheStopBegins_WhileMetricsAreStillServed()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with
        {
            Transports = Transport.Tcp,
            BindAddresses = [IPAddress.Loopback],
            Metrics = new IPEndPoint(IPAddress.Loopback, 0),
            ShutdownGrace = TimeSpan.FromSeconds(20),
        });
        Uri health = new(server.Metrics!.MetricsUri, "/healthz");
        using (HttpResponseMessage serving = await Http.GetAsync(health, timeout.Token))
        {
            Assert.Equal((HttpStatusCode.OK, "serving\n"), (serving.StatusCode, await serving.Content.ReadAsStringAsync(timeout.Token)));
        }
        // A connection in the middle of its exchange holds the stop in its grace.
        using Socket client = await Net.ConnectAsync(server.EndPoint(ServiceKind.Echo, Transport.Tcp), timeout.Token);
        await Net.SendAllAsync(client, "x"u8.ToArray(), timeout.Token);
        await Net.ReadExactlyAsync(client, 1, timeout.Token);

        Task stopping = server.StopAsync();

        using (HttpResponseMessage stopped = await Http.GetAsync(health, timeout.Token))
        {
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "stopping\n"), (stopped.StatusCode, await stopped.Content.ReadAsStringAsync(timeout.Token)));
        }
        using (HttpResponseMessage scrape = await Http.GetAsync(server.Metrics.MetricsUri, timeout.Token))
        {
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        }
        Assert.False(stopping.IsCompleted);
        client.Shutdown(SocketShutdown.Send);
        await Net.ReadToEndAsync(client, timeout.Token);
        await stopping.WaitAsync(timeout.Token);
        // Gone with the server.
        await Assert.ThrowsAsync<HttpRequestException>(() => Http.GetAsync(health, timeout.Token));
    }

    [Fact]
    public async Task Metrics_ArePrometheusText_OrOpenMetricsWhenTheScraperAsks()
    {
        using var timeout = TestTimeout.Create();
        string name = $"echo-{Guid.NewGuid():N}";
        await using InetServer server = await InetServer.StartAsync(new InetServerOptions
        {
            Definitions = [new ServiceDefinition { Name = name, Kind = ServiceKind.Echo, Port = 0, Transports = Transport.Tcp }],
            BindAddresses = [IPAddress.Loopback],
            Metrics = new IPEndPoint(IPAddress.Loopback, 0),
        }, timeout.Token);
        await Net.ExchangeAsync(server.GetEndPoint(name, Transport.Tcp), Transport.Tcp, "hi"u8.ToArray(), timeout.Token);
        string series = $"inetkit_connections_accepted_total{{service=\"{name}\",transport=\"tcp\"}} 1";

        using HttpResponseMessage text = await Http.GetAsync(server.Metrics!.MetricsUri, timeout.Token);
        using var ask = new HttpRequestMessage(HttpMethod.Get, server.Metrics.MetricsUri);
        ask.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        using HttpResponseMessage open = await Http.SendAsync(ask, timeout.Token);

        string plain = await text.Content.ReadAsStringAsync(timeout.Token);
        Assert.Equal("text/plain", text.Content.Headers.ContentType!.MediaType);
        Assert.Contains("# TYPE inetkit_connections_accepted_total counter\n", plain, StringComparison.Ordinal);
        Assert.Contains(series + "\n", plain, StringComparison.Ordinal);
        Assert.Contains("inetkit_process_open_descriptors", plain, StringComparison.Ordinal);
        Assert.Contains("dotnet_process_cpu_time_seconds_total", plain, StringComparison.Ordinal);
        string openMetrics = await open.Content.ReadAsStringAsync(timeout.Token);
        Assert.Equal("application/openmetrics-text", open.Content.Headers.ContentType!.MediaType);
        Assert.Contains("# TYPE inetkit_connections_accepted counter\n", openMetrics, StringComparison.Ordinal);
        Assert.Contains(series + "\n", openMetrics, StringComparison.Ordinal);
        Assert.EndsWith("# EOF\n", openMetrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_KeepsTheFirstStartsEndpoint_AndSaysSoWhenAskedToMoveIt()
    {
        using var timeout = TestTimeout.Create();
        var log = new LogRecorder();
        var options = new InetServerOptions
        {
            Services = [ServiceKind.Echo],
            Port = 0,
            Transports = Transport.Tcp,
            BindAddresses = [IPAddress.Loopback],
            Metrics = new IPEndPoint(IPAddress.Loopback, 0),
            Logger = log,
        };
        await using InetServer server = await InetServer.StartAsync(options, timeout.Token);
        IPEndPoint before = server.Metrics!.EndPoint;

        server.Reload(options with { Metrics = new IPEndPoint(IPAddress.Loopback, 1) });
        string warning = await log.WaitForAsync("the metrics endpoint stays", timeout.Token);

        Assert.Equal($"Warning: the metrics endpoint stays on {before}: a reload does not move it (restart for that)", warning);
        using HttpResponseMessage scrape = await Http.GetAsync(server.Metrics.MetricsUri, timeout.Token);
        Assert.Equal((HttpStatusCode.OK, before), (scrape.StatusCode, server.Metrics.EndPoint));
        // The same options again say nothing: only a change is worth a line.
        server.Reload(options);
        Assert.Single(log.Items, l => l.Contains("metrics", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAddressInUse_IsAMetricsBindException_AndTheServerLeavesNothingBound()
    {
        using var timeout = TestTimeout.Create();
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        var taken = (IPEndPoint)holder.LocalEndPoint!;
        int port = FreePorts.ForTcpAndUdp(1)[0];

        var e = await Assert.ThrowsAsync<MetricsBindException>(() => InetServer.StartAsync(new InetServerOptions
        {
            Services = [ServiceKind.Echo],
            Port = port,
            BindAddresses = [IPAddress.Loopback],
            Metrics = taken,
        }, timeout.Token));

        Assert.Equal(taken, e.EndPoint);
        Assert.Equal($"cannot serve metrics on {taken}: address already in use", e.Message);
        // The echo sockets bound before it are closed again.
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        again.Bind(new IPEndPoint(IPAddress.Loopback, port));
    }
}
