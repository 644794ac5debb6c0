using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Cli;

/// <summary><c>inetkit proxy</c>: the scanner's gate in front of the target, and the relay with its counters at exit.</summary>
public sealed class ProxyCommandTests
{
    private const string Scope = """
        authorized-by: Jane Doe, network owner
        reference: TICKET-4242
        expires: 2026-12-31
        192.0.2.0/25
        """;

    private static ScanCli Proxy(bool blocked = false) => new(new FakeTimeProvider(new DateTimeOffset(2026, 6, 15, 12, 0, 0, TimeSpan.Zero)), "proxy") { BlockScan = blocked };

    [Theory]
    [InlineData("192.0.2.1:7")]
    [InlineData("[2001:db8::1]:7")]
    [InlineData("outside.example:7")]
    public async Task ATargetBeyondLoopback_WithoutAScope_IsRefused_BeforeAnyLookupOrSocket(string target)
    {
        using ScanCli cli = Proxy();

        var (code, _, error) = await cli.RunAsync("--to", target);

        Assert.Equal(5, code);
        Assert.StartsWith("inetkit: proxy refused: ", error, StringComparison.Ordinal);
        Assert.Contains("no --scope file authorizes proxying to it", error, StringComparison.Ordinal);
        Assert.False(cli.Started);
        Assert.Empty(cli.Lookups);
    }

    [Fact]
    public async Task ATargetWithinTheScope_IsRecordedInTheAuditLog_BeforeTheFirstSocket()
    {
        using ScanCli cli = Proxy(blocked: true);
        string scope = cli.File("scope.txt", Scope);

        var (code, _, _) = await cli.RunAsync("--to", "192.0.2.10:7", "--udp", "--scope", scope);

        Assert.Equal(1, code); // the hook's exception in place of the first socket
        using JsonDocument audit = JsonDocument.Parse(Assert.Single(cli.AuditAtStart!));
        Assert.Equal(("proxy", "U:7", "192.0.2.10:7"), (audit.RootElement.GetProperty("command").GetString(), audit.RootElement.GetProperty("ports").GetString(), audit.RootElement.GetProperty("targets")[0].GetString()));
    }

    [Theory]
    [InlineData("proxy: --to 127.0.0.1: give the server's port too (HOST:PORT)", "--to", "127.0.0.1")]
    [InlineData("proxy: --listen localhost:0: give an address to listen on (127.0.0.1, [::1], 0.0.0.0)", "--to", "127.0.0.1:7", "--listen", "localhost:0")]
    [InlineData("choose one of --tcp or --udp (neither: both)", "--to", "127.0.0.1:7", "--tcp", "--udp")]
    [InlineData("impairment 'loss=150%': a percentage is 0-100%", "--to", "127.0.0.1:7", "--impair", "loss=150%")]
    [InlineData("--impair with --api: add the impairment as toxics through the API (POST /proxies/NAME/toxics; the datagram ones too), so that the API shows what is in force", "--to", "127.0.0.1:7", "--api", "0", "--impair", "loss=5%")]
    public async Task BadInput_IsAUsageError(string message, params string[] args)
    {
        using ScanCli cli = Proxy();

        var (code, _, error) = await cli.RunAsync(args);

        Assert.Equal(2, code);
        Assert.StartsWith($"inetkit: {message}\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relays_ThenPrintsItsCountersAtExit()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        var cli = new CliRunner();
        using var timeout = TestTimeout.Create();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        Task<int> running = cli.RunAsync(stop.Token, "proxy", "--to", server.EndPoint(ServiceKind.Echo, Transport.Tcp).ToString(), "--json");
        string listening = await cli.Out.WaitForLineAsync(l => l.StartsWith("proxy ", StringComparison.Ordinal), timeout.Token);
        var at = IPEndPoint.Parse(listening.Split(' ')[2]);

        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            client.Connect(at);
            await client.SendAsync("Hello World"u8.ToArray(), SocketFlags.None, timeout.Token);
            byte[] reply = new byte[64];
            Assert.Equal(11, await client.ReceiveAsync(reply, SocketFlags.None, timeout.Token));
        }
        await stop.CancelAsync();

        Assert.Equal(0, await running);
        Assert.StartsWith($"proxy tcp+udp 127.0.0.1:{at.Port} -> ", listening, StringComparison.Ordinal);
        using JsonDocument counters = JsonDocument.Parse(cli.Out.Lines[^1]);
        Assert.Equal((1, 1, 11), (counters.RootElement.GetProperty("sessions").GetInt32(), counters.RootElement.GetProperty("datagrams_up").GetInt32(), counters.RootElement.GetProperty("bytes_up").GetInt32()));
    }

    [Theory]
    [InlineData(new string[0], "give --to HOST:PORT, or --api to create proxies through toxiproxy's API (or both)")]
    [InlineData(new[] { "--api", "0.0.0.0:0" }, "proxy: --api 0.0.0.0:0: whoever reaches the API can open proxies on this machine, so it stays on loopback unless --api-beyond-loopback is given too")]
    [InlineData(new[] { "--api", "nowhere:x" }, "proxy: --api nowhere:x: give ADDR:PORT, such as 127.0.0.1:8474")]
    public async Task WithoutATargetOrAnApi_OrAnApiBeyondLoopback_IsAUsageError(string[] args, string message)
    {
        using ScanCli cli = Proxy();

        var (code, _, error) = await cli.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_WithoutATarget_StartsEmpty_AndItsProxiesPassTheGate()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        var cli = new CliRunner();
        using var timeout = TestTimeout.Create();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        Task<int> running = cli.RunAsync(stop.Token, "proxy", "--api", "127.0.0.1:0");
        string line = await cli.Out.WaitForLineAsync(l => l.StartsWith("api ", StringComparison.Ordinal), timeout.Token);
        using var http = new HttpClient { BaseAddress = new Uri(line.Split(' ')[1]) };

        using HttpResponseMessage empty = await http.GetAsync("/proxies", timeout.Token);
        using HttpResponseMessage created = await http.PostAsync("/proxies", Json($$"""{"name":"echo","upstream":"{{server.EndPoint(ServiceKind.Echo, Transport.Tcp)}}"}"""), timeout.Token);
        using HttpResponseMessage refused = await http.PostAsync("/proxies", Json("""{"name":"out","upstream":"192.0.2.1:7"}"""), timeout.Token);
        await stop.CancelAsync();

        Assert.Equal(0, await running);
        Assert.Equal("{}", await empty.Content.ReadAsStringAsync(timeout.Token));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(timeout.Token));
        Assert.Contains("no --scope file authorizes proxying to it", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(403, body.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task ATargetAndAnApi_TheTargetsProxyIsTheApis_UnderItsName()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        var cli = new CliRunner();
        using var timeout = TestTimeout.Create();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        Task<int> running = cli.RunAsync(stop.Token, "proxy", "--to", server.EndPoint(ServiceKind.Echo, Transport.Tcp).ToString(), "--tcp", "--api", "127.0.0.1:0", "--name", "echo", "--json");
        string listening = await cli.Out.WaitForLineAsync(l => l.StartsWith("proxy ", StringComparison.Ordinal), timeout.Token);
        string apiLine = await cli.Out.WaitForLineAsync(l => l.StartsWith("api ", StringComparison.Ordinal), timeout.Token);
        var at = IPEndPoint.Parse(listening.Split(' ')[2]);
        using var http = new HttpClient { BaseAddress = new Uri(apiLine.Split(' ')[1]) };

        using HttpResponseMessage listed = await http.GetAsync("/proxies/echo", timeout.Token);
        using HttpResponseMessage added = await http.PostAsync("/proxies/echo/toxics", Json("""{"type":"limit_data","attributes":{"bytes":2}}"""), timeout.Token);
        string echoed = await Inetkit.Tests.Proxy.ToxiproxyApiTests.EchoAsync(at, "hello");
        await stop.CancelAsync();

        Assert.Equal(0, await running);
        Assert.EndsWith("(api name echo)", listening, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        using JsonDocument proxy = JsonDocument.Parse(await listed.Content.ReadAsStringAsync(timeout.Token));
        Assert.Equal(at.ToString(), proxy.RootElement.GetProperty("listen").GetString());
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal("he", echoed);
        using JsonDocument counters = JsonDocument.Parse(cli.Out.Lines[^1]);
        Assert.Equal((1, 5), (counters.RootElement.GetProperty("connections").GetInt32(), counters.RootElement.GetProperty("bytes_up").GetInt32()));
    }

    private static StringContent Json(string text) => new(text, System.Text.Encoding.UTF8, "application/json");
}
