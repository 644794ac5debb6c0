using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Inetkit.Hosting;
using Inetkit.Impairment;
using Inetkit.Protocol;
using Inetkit.Proxy.Api;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Proxy;

/// <summary>The toxiproxy-compatible control API over HTTP: every route, toxiproxy's status codes and error bodies, and the toxics' effect.</summary>
public sealed partial class ToxiproxyApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Version_AnswersJson()
    {
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);

        using HttpResponseMessage response = await http.GetAsync("/version", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = await JsonAsync(response);
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("version").GetString()));
    }

    [Fact]
    public async Task CreateProxy_Answers201WithToxiproxysFields_ListensOnLoopback_AndRelays()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);

        using HttpResponseMessage created = await PostAsync(http, "/proxies", $$"""{"name":"echo","listen":"127.0.0.1:0","upstream":"{{Upstream(echo)}}"}""");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using JsonDocument body = await JsonAsync(created);
        JsonElement proxy = body.RootElement;
        Assert.Equal("echo", proxy.GetProperty("name").GetString());
        Assert.Equal(Upstream(echo), proxy.GetProperty("upstream").GetString());
        Assert.True(proxy.GetProperty("enabled").GetBoolean());
        Assert.Equal(0, proxy.GetProperty("toxics").GetArrayLength());
        IPEndPoint listen = IPEndPoint.Parse(proxy.GetProperty("listen").GetString()!);
        Assert.Equal(IPAddress.Loopback, listen.Address);
        Assert.NotEqual(0, listen.Port);
        Assert.Equal("hello world", await EchoAsync(listen, "hello world"));

        using JsonDocument all = await GetJsonAsync(http, "/proxies");
        Assert.Equal(listen.ToString(), all.RootElement.GetProperty("echo").GetProperty("listen").GetString());
        using JsonDocument one = await GetJsonAsync(http, "/proxies/echo");
        Assert.Equal("echo", one.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Populate_CreatesWhatIsNew_UpdatesWhatExists_Answers201WithThemAll()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        using (HttpResponseMessage first = await PostAsync(http, "/proxies", $$"""{"name":"a","upstream":"{{Upstream(echo)}}"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        using HttpResponseMessage populated = await PostAsync(http, "/populate", $$"""[{"name":"a","upstream":"{{Upstream(echo)}}","enabled":false},{"name":"b","upstream":"{{Upstream(echo)}}"}]""");

        Assert.Equal(HttpStatusCode.Created, populated.StatusCode);
        using JsonDocument body = await JsonAsync(populated);
        JsonElement[] proxies = [.. body.RootElement.GetProperty("proxies").EnumerateArray()];
        Assert.Equal([("a", false), ("b", true)], proxies.Select(p => (p.GetProperty("name").GetString(), p.GetProperty("enabled").GetBoolean())));
        Assert.Equal("hello", await EchoAsync(IPEndPoint.Parse(proxies[1].GetProperty("listen").GetString()!), "hello"));
        using HttpResponseMessage nameless = await PostAsync(http, "/populate", """[{"upstream":"127.0.0.1:7"}]""");
        Assert.Equal(HttpStatusCode.BadRequest, nameless.StatusCode);
    }

    [Fact]
    public async Task CreateProxy_WithoutAListen_IsOnLoopback()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);

        using HttpResponseMessage created = await PostAsync(http, "/proxies", $$"""{"name":"echo","upstream":"{{Upstream(echo)}}"}""");

        using JsonDocument body = await JsonAsync(created);
        Assert.Equal(IPAddress.Loopback, IPEndPoint.Parse(body.RootElement.GetProperty("listen").GetString()!).Address);
    }

    [Theory]
    [InlineData("""{"upstream":"127.0.0.1:7"}""", 400, "missing required field: name")]
    [InlineData("""{"name":"x"}""", 400, "missing required field: upstream")]
    [InlineData("""{"name":"x","upstream":"127.0.0.1"}""", 400, "bad request body: upstream 127.0.0.1: give the server's port too (HOST:PORT)")]
    [InlineData("""{"name":"x","upstream":"127.0.0.1:7","listen":"example.com:0"}""", 400, "bad request body: listen example.com:0: give an address (127.0.0.1, [::1], 0.0.0.0) or localhost, with a port")]
    [InlineData("""{"name":"x","upstream":"127.0.0.1:7","transport":"sctp"}""", 400, "bad request body: transport sctp: give tcp (the default), udp or tcp+udp")]
    [InlineData("""not json""", 400, "bad request body: ...")]
    public async Task CreateProxy_Refuses_WithToxiproxysErrorBody(string request, int status, string error)
    {
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);

        using HttpResponseMessage response = await PostAsync(http, "/proxies", request);

        await AssertErrorAsync(response, status, error);
    }

    [Fact]
    public async Task CreateProxy_TwiceByName_Is409()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        string request = $$"""{"name":"echo","upstream":"{{Upstream(echo)}}"}""";
        (await PostAsync(http, "/proxies", request)).Dispose();

        using HttpResponseMessage again = await PostAsync(http, "/proxies", request);

        await AssertErrorAsync(again, 409, "proxy already exists");
    }

    [Fact]
    public async Task CreateProxy_TowardAHostBeyondLoopback_Is403_AndNothingIsCreated()
    {
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);

        // 192.0.2.1 is TEST-NET-1: never routed, and refused before any packet anyway.
        using HttpResponseMessage response = await PostAsync(http, "/proxies", """{"name":"out","upstream":"192.0.2.1:7"}""");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using JsonDocument body = await JsonAsync(response);
        Assert.Equal(403, body.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("192.0.2.1", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        using JsonDocument all = await GetJsonAsync(http, "/proxies");
        Assert.Empty(all.RootElement.EnumerateObject());
    }

    [Fact]
    public async Task CreateProxy_TheGateIsTheOptions_AndSeesHostPortAndTransport()
    {
        var asked = new List<string>();
        await using ToxiproxyApi api = await ToxiproxyApi.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), new ToxiproxyApiOptions
        {
            AuthorizeUpstream = (host, port, transport, _) =>
            {
                asked.Add($"{host} {port} {transport}");
                throw new Inetkit.Scanning.UnauthorizedScanException("not in the scope");
            },
        }, Ct);
        using HttpClient http = Client(api);

        using HttpResponseMessage response = await PostAsync(http, "/proxies", """{"name":"x","upstream":"localhost:7"}""");

        await AssertErrorAsync(response, 403, "upstream localhost:7 refused: not in the scope...");
        Assert.Equal(["localhost 7 Tcp"], asked);
    }

    [Theory]
    [InlineData("GET", "/proxies/none")]
    [InlineData("DELETE", "/proxies/none")]
    [InlineData("POST", "/proxies/none")]
    [InlineData("GET", "/proxies/none/toxics")]
    [InlineData("POST", "/proxies/none/toxics")]
    [InlineData("GET", "/proxies/none/toxics/latency_downstream")]
    [InlineData("DELETE", "/proxies/none/toxics/latency_downstream")]
    public async Task AnUnknownProxy_Is404(string method, string path)
    {
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);

        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? Json("{}") : null };
        using HttpResponseMessage response = await http.SendAsync(request, Ct);

        await AssertErrorAsync(response, 404, "proxy not found");
    }

    [Fact]
    public async Task UpdateProxy_Disables_ThenEnablesOnTheSamePort_AndDeleteRemovesIt()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        IPEndPoint listen = await CreateAsync(http, "echo", echo);

        using JsonDocument disabled = await JsonAsync(await PostAsync(http, "/proxies/echo", """{"enabled":false}"""));
        Assert.False(disabled.RootElement.GetProperty("enabled").GetBoolean());
        Assert.Null(api.GetProxy("echo"));
        using (var refused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            SocketException e = await Assert.ThrowsAsync<SocketException>(async () => await refused.ConnectAsync(listen, Ct));
            Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
        }

        using var patch = new HttpRequestMessage(HttpMethod.Patch, "/proxies/echo") { Content = Json("""{"enabled":true}""") };
        using JsonDocument enabled = await JsonAsync(await http.SendAsync(patch, Ct));
        Assert.True(enabled.RootElement.GetProperty("enabled").GetBoolean());
        Assert.Equal(listen.ToString(), enabled.RootElement.GetProperty("listen").GetString());
        Assert.Equal("again", await EchoAsync(listen, "again"));

        using HttpResponseMessage deleted = await http.DeleteAsync("/proxies/echo", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await AssertErrorAsync(await http.GetAsync("/proxies/echo", Ct), 404, "proxy not found");
    }

    [Fact]
    public async Task AddToxic_DefaultsAsToxiproxy_NameTypeStream_Downstream_Toxicity1_AllAttributesShown()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        await CreateAsync(http, "echo", echo);

        using HttpResponseMessage added = await PostAsync(http, "/proxies/echo/toxics", """{"type":"latency","attributes":{"latency":1000}}""");

        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        using JsonDocument toxic = await JsonAsync(added);
        Assert.Equal("latency_downstream", toxic.RootElement.GetProperty("name").GetString());
        Assert.Equal("latency", toxic.RootElement.GetProperty("type").GetString());
        Assert.Equal("downstream", toxic.RootElement.GetProperty("stream").GetString());
        Assert.Equal(1.0, toxic.RootElement.GetProperty("toxicity").GetDouble());
        Assert.Equal(1000, toxic.RootElement.GetProperty("attributes").GetProperty("latency").GetInt64());
        Assert.Equal(0, toxic.RootElement.GetProperty("attributes").GetProperty("jitter").GetInt64());
        ImpairmentSpec impairment = api.GetProxy("echo")!.Impairment;
        Assert.Equal(TimeSpan.FromSeconds(1), impairment.StreamDown.Latency);
        Assert.True(impairment.StreamUp.IsNone);

        using JsonDocument listed = await GetJsonAsync(http, "/proxies/echo/toxics");
        Assert.Equal("latency_downstream", Assert.Single(listed.RootElement.EnumerateArray()).GetProperty("name").GetString());
        using JsonDocument shown = await GetJsonAsync(http, "/proxies/echo/toxics/latency_downstream");
        Assert.Equal(1000, shown.RootElement.GetProperty("attributes").GetProperty("latency").GetInt64());
        using JsonDocument proxy = await GetJsonAsync(http, "/proxies/echo");
        Assert.Single(proxy.RootElement.GetProperty("toxics").EnumerateArray());
    }

    [Theory]
    [InlineData("""{"type":"latency","stream":"sideways"}""", 400, "stream was invalid, can be either upstream or downstream")]
    [InlineData("""{"type":"nosuch"}""", 400, "invalid toxic type")]
    [InlineData("""{"attributes":{}}""", 400, "invalid toxic type")]
    [InlineData("""{"type":"latency","attributes":{"latency":"fast"}}""", 400, "bad request body: attribute latency: \"fast\" is not a whole number")]
    [InlineData("""{"type":"latency","attributes":{"latency":-1}}""", 400, "bad request body: attribute latency: -1 is out of range (0-2147483647)")]
    [InlineData("""{"type":"loss","attributes":{"loss":5}}""", 400, "invalid toxic type: loss acts on datagrams, and echo relays TCP only (create it with \"transport\": \"udp\" or \"tcp+udp\")")]
    public async Task AddToxic_Refuses_WithToxiproxysErrorBody(string request, int status, string error)
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        await CreateAsync(http, "echo", echo);

        await AssertErrorAsync(await PostAsync(http, "/proxies/echo/toxics", request), status, error);
        Assert.True(api.GetProxy("echo")!.Impairment.IsNone);
    }

    [Fact]
    public async Task AddToxic_TwiceByName_Is409_AndAnUnknownToxicIs404()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        await CreateAsync(http, "echo", echo);
        (await PostAsync(http, "/proxies/echo/toxics", """{"name":"slow","type":"latency","stream":"upstream"}""")).Dispose();

        await AssertErrorAsync(await PostAsync(http, "/proxies/echo/toxics", """{"name":"slow","type":"timeout"}"""), 409, "toxic already exists");
        await AssertErrorAsync(await http.GetAsync("/proxies/echo/toxics/nosuch", Ct), 404, "toxic not found");
        await AssertErrorAsync(await http.DeleteAsync("/proxies/echo/toxics/nosuch", Ct), 404, "toxic not found");
        await AssertErrorAsync(await PostAsync(http, "/proxies/echo/toxics/nosuch", "{}"), 404, "toxic not found");
    }

    [Fact]
    public async Task UpdateToxic_LaysTheAttributesOverTheOldOnes_AndKeepsToxicityUnlessGiven()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        await CreateAsync(http, "echo", echo);
        (await PostAsync(http, "/proxies/echo/toxics", """{"type":"latency","stream":"upstream","toxicity":1,"attributes":{"latency":100,"jitter":10}}""")).Dispose();

        using JsonDocument updated = await JsonAsync(await PostAsync(http, "/proxies/echo/toxics/latency_upstream", """{"attributes":{"latency":200}}"""));

        Assert.Equal(200, updated.RootElement.GetProperty("attributes").GetProperty("latency").GetInt64());
        Assert.Equal(10, updated.RootElement.GetProperty("attributes").GetProperty("jitter").GetInt64());
        Assert.Equal(1.0, updated.RootElement.GetProperty("toxicity").GetDouble());
        Assert.Equal(TimeSpan.FromMilliseconds(200), api.GetProxy("echo")!.Impairment.StreamUp.Latency);
    }

    [Fact]
    public async Task LimitData_EndsTheConnectionAfterItsBytes_WhileItIsThere_AndNotOnceRemoved()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        IPEndPoint listen = await CreateAsync(http, "echo", echo);

        (await PostAsync(http, "/proxies/echo/toxics", """{"type":"limit_data","attributes":{"bytes":5}}""")).Dispose();
        Assert.Equal("hello", await EchoAsync(listen, "hello world"));

        using HttpResponseMessage removed = await http.DeleteAsync("/proxies/echo/toxics/limit_data_downstream", Ct);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal("hello world", await EchoAsync(listen, "hello world"));
        Assert.True(api.GetProxy("echo")!.Impairment.IsNone);
    }

    [Fact]
    public async Task Toxicity0_NeverApplies_ToAConnection()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        IPEndPoint listen = await CreateAsync(http, "echo", echo);

        (await PostAsync(http, "/proxies/echo/toxics", """{"type":"limit_data","toxicity":0,"attributes":{"bytes":5}}""")).Dispose();

        Assert.Equal("hello world", await EchoAsync(listen, "hello world"));
    }

    [Fact]
    public async Task Reset_RemovesEveryToxic_AndEnablesEveryProxy()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        IPEndPoint listen = await CreateAsync(http, "echo", echo);
        (await PostAsync(http, "/proxies/echo/toxics", """{"type":"limit_data","attributes":{"bytes":5}}""")).Dispose();
        (await PostAsync(http, "/proxies/echo", """{"enabled":false}""")).Dispose();

        using HttpResponseMessage reset = await PostAsync(http, "/reset", "");

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        using JsonDocument proxy = await GetJsonAsync(http, "/proxies/echo");
        Assert.True(proxy.RootElement.GetProperty("enabled").GetBoolean());
        Assert.Equal(0, proxy.RootElement.GetProperty("toxics").GetArrayLength());
        Assert.Equal("hello world", await EchoAsync(listen, "hello world"));
    }

    [Fact]
    public async Task DatagramToxics_OnAUdpProxy_AreTheSpecsParameters()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        string upstream = echo.EndPoint(ServiceKind.Echo, Transport.Udp).ToString();
        (await PostAsync(http, "/proxies", $$"""{"name":"u","upstream":"{{upstream}}","transport":"udp"}""")).Dispose();

        using JsonDocument loss = await JsonAsync(await PostAsync(http, "/proxies/u/toxics", """{"type":"loss","stream":"upstream","attributes":{"loss":5,"loss-burst":3}}"""));
        (await PostAsync(http, "/proxies/u/toxics", """{"type":"delay","attributes":{"delay":"20ms","jitter":5}}""")).Dispose();
        (await PostAsync(http, "/proxies/u/toxics", """{"type":"rate","attributes":{"rate":"1mbit"}}""")).Dispose();

        Assert.Equal("loss_upstream", loss.RootElement.GetProperty("name").GetString());
        ImpairmentSpec impairment = api.GetProxy("u")!.Impairment;
        Assert.Equal(0.05, impairment.DatagramsUp.Loss, 9);
        Assert.Equal(3, impairment.DatagramsUp.LossBurst);
        Assert.Equal(TimeSpan.FromMilliseconds(20), impairment.DatagramsDown.Delay);
        Assert.Equal(TimeSpan.FromMilliseconds(5), impairment.DatagramsDown.Jitter);
        Assert.Equal(1_000_000, impairment.DatagramsDown.RateBitsPerSecond);
        Assert.True(impairment.DatagramsUp.Delay == TimeSpan.Zero && impairment.DatagramsDown.Loss == 0);
        await AssertErrorAsync(await PostAsync(http, "/proxies/u/toxics", """{"type":"latency"}"""), 400, "invalid toxic type: latency acts on TCP streams, and u relays UDP only");
        await AssertErrorAsync(
            await PostAsync(http, "/proxies/u/toxics", """{"type":"corrupt","attributes":{"corupt":1}}"""), 400, "bad request body: corrupt has no attribute corupt; its attributes are corrupt");
    }

    [Fact]
    public async Task ABrowsersUserAgent_IsRefused_AsToxiproxyDoes()
    {
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        http.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0");

        using HttpResponseMessage response = await http.GetAsync("/proxies", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"type":"bandwidth","attributes":{"rate":100}}""")]
    [InlineData("""{"type":"slicer","attributes":{"average_size":64,"size_variation":8,"delay":500}}""")]
    [InlineData("""{"type":"timeout","attributes":{"timeout":250}}""")]
    [InlineData("""{"type":"reset_peer","attributes":{"timeout":0}}""")]
    [InlineData("""{"type":"slow_close","attributes":{"delay":300}}""")]
    public async Task StreamToxics_MapToTheirImpairment_InToxiproxysUnits(string request)
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        await CreateAsync(http, "echo", echo);

        using HttpResponseMessage added = await PostAsync(http, "/proxies/echo/toxics", request);

        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        StreamImpairment down = api.GetProxy("echo")!.Impairment.StreamDown;
        StreamImpairment expected = JsonDocument.Parse(request).RootElement.GetProperty("type").GetString() switch
        {
            "bandwidth" => new() { BandwidthBytesPerSecond = 100_000 },
            "slicer" => new() { SlicerSize = 64, SlicerVariation = 8, SlicerDelay = TimeSpan.FromMicroseconds(500) },
            "timeout" => new() { Timeout = TimeSpan.FromMilliseconds(250) },
            "reset_peer" => new() { Reset = TimeSpan.Zero },
            _ => new() { SlowClose = TimeSpan.FromMilliseconds(300) },
        };
        Assert.Equal(expected, down);
    }

    internal static Task<ToxiproxyApi> StartAsync() => ToxiproxyApi.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, Ct);

    internal static HttpClient Client(ToxiproxyApi api) => new() { BaseAddress = new Uri($"http://{api.EndPoint}") };

    internal static string Upstream(InetServer echo) => echo.EndPoint(ServiceKind.Echo, Transport.Tcp).ToString();

    internal static async Task<IPEndPoint> CreateAsync(HttpClient http, string name, InetServer echo)
    {
        using HttpResponseMessage created = await PostAsync(http, "/proxies", $$"""{"name":"{{name}}","listen":"127.0.0.1:0","upstream":"{{Upstream(echo)}}"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using JsonDocument body = await JsonAsync(created);
        return IPEndPoint.Parse(body.RootElement.GetProperty("listen").GetString()!);
    }

    /// <summary>Sends <paramref name="text"/>, half-closes, and reads until the proxy closes: what came back.</summary>
    internal static async Task<string> EchoAsync(IPEndPoint at, string text)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(at, Ct);
        await client.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, Ct);
        client.Shutdown(SocketShutdown.Send);
        var received = new MemoryStream();
        byte[] buffer = new byte[1024];
        try
        {
            int n;
            while ((n = await client.ReceiveAsync(buffer, SocketFlags.None, Ct)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // A toxic that ends the stream may end it with a reset; what came before it is what counts.
        }
        return Encoding.ASCII.GetString(received.ToArray());
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string body) => http.PostAsync(path, Json(body), Ct);

    private static async Task<JsonDocument> JsonAsync(HttpResponseMessage response) =>
        await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(Ct), default, Ct);

    private static async Task<JsonDocument> GetJsonAsync(HttpClient http, string path)
    {
        using HttpResponseMessage response = await http.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonAsync(response);
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, int status, string error)
    {
        using (response)
        {
            Assert.Equal(status, (int)response.StatusCode);
            using JsonDocument body = await JsonAsync(response);
            Assert.Equal(status, body.RootElement.GetProperty("status").GetInt32());
            string message = body.RootElement.GetProperty("error").GetString()!;
            // "...": the start is what is checked (the rest is a parser's message or the scanner's warning).
            if (error.EndsWith("...", StringComparison.Ordinal))
            {
                Assert.StartsWith(error[..^3], message, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(error, message);
            }
        }
    }
}
