using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Text.RegularExpressions;
using Inetkit.Demo;
using Inetkit.Demo.Web;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo;

/// <summary>
/// The web demo's server over HTTP, as the page uses it: the page and its files from the assembly, the catalogue, one
/// run as Server-Sent Events in the order the exchange happened, the page's numbers checked, and loopback only.
/// </summary>
public sealed class DemoWebServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<DemoWebServer> StartAsync() => DemoWebServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), cancellationToken: Ct);

    /// <summary>One run's events (each the JSON DemoJson writes), and the stream's last event.</summary>
    internal static async Task<(List<JsonElement> Events, (string Event, string Data) Last)> RunAsync(DemoWebServer server, string query)
    {
        using HttpClient client = ServerSentEvents.Client();
        using var timeout = TestTimeout.Create();
        IReadOnlyList<(string Event, string Data)> stream = await ServerSentEvents.ReadAllAsync(client, new Uri(server.Url, "run?" + query), timeout.Token);
        Assert.All(stream.SkipLast(1), e => Assert.Equal("demo", e.Event));
        List<JsonElement> events = [.. stream.SkipLast(1).Select(e => JsonDocument.Parse(e.Data).RootElement)];
        return (events, stream[^1]);
    }

    private static string? Call(JsonElement e) => e.TryGetProperty("call", out JsonElement c) ? c.GetString() : null;

    private static int Index(List<JsonElement> events, string lane, string call, int after = -1, string kind = "call") =>
        events.FindIndex(after + 1, e => e.GetProperty("lane").GetString() == lane && e.GetProperty("kind").GetString() == kind && Call(e) == call);

    [Fact]
    public async Task Examples_AreTheCatalogue_WithTheirLanes_AndWhichTakeImpairment()
    {
        await using DemoWebServer server = await StartAsync();
        using HttpClient client = ServerSentEvents.Client();

        using JsonDocument json = JsonDocument.Parse(await client.GetStringAsync(new Uri(server.Url, "examples"), Ct));

        JsonElement[] examples = [.. json.RootElement.EnumerateArray()];
        Assert.Equal(DemoCatalog.All.Select(e => e.Name), examples.Select(e => e.GetProperty("name").GetString()));
        JsonElement timeout = examples.Single(e => e.GetProperty("name").GetString() == "udp-timeout");
        Assert.Equal(("receiver", "(nobody sends)"), (timeout.GetProperty("lanes").GetProperty("client").GetString(), timeout.GetProperty("lanes").GetProperty("server").GetString()));
        Assert.Equal(["udp-echo-once", "udp-echo", "udp-loss"], examples.Where(e => e.GetProperty("impairment").GetBoolean()).Select(e => e.GetProperty("name").GetString()));
        Assert.All(examples, e => Assert.Equal(e.GetProperty("name").GetString()!.StartsWith("udp-", StringComparison.Ordinal), e.GetProperty("udp").GetBoolean()));
    }

    [Fact]
    public async Task ThePage_ItsScriptAndStyle_ComeFromTheAssembly_AndAskForNothingElsewhere()
    {
        await using DemoWebServer server = await StartAsync();
        using HttpClient client = ServerSentEvents.Client();

        using HttpResponseMessage page = await client.GetAsync(server.Url, Ct);
        string html = await page.Content.ReadAsStringAsync(Ct);
        string script = await client.GetStringAsync(new Uri(server.Url, "demo.js"), Ct);
        string style = await client.GetStringAsync(new Uri(server.Url, "demo.css"), Ct);

        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("""<script src="/demo.js"></script>""", html, StringComparison.Ordinal);
        Assert.Contains("""<link rel="stylesheet" href="/demo.css">""", html, StringComparison.Ordinal);
        Assert.StartsWith("default-src 'self';", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        // The one URL in them is SVG's namespace, a name that is never fetched; the rest are paths of this server.
        foreach (string text in new[] { html, script, style })
        {
            Assert.All(Regex.Matches(text, @"(?:[a-z]+:)?//[\w.-]+").Select(m => m.Value), url => Assert.Equal("http://www.w3.org", url));
        }
        Assert.Contains("#diagram", style, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UdpEcho_StreamsEachEventInOrder_ThenDone()
    {
        await using DemoWebServer server = await StartAsync();

        var (events, last) = await RunAsync(server, "example=udp-echo");

        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.GetProperty("seq").GetInt32()));
        Assert.Equal(("done", $$"""{"events":{{events.Count}}}"""), last);
        int after = -1;
        foreach (string message in new[] { "Hello", "World", "Bye" })
        {
            int sent = Index(events, "client", "sendto", after);
            int received = Index(events, "server", "recvfrom", sent);
            int echoed = Index(events, "server", "sendto", received);
            int back = Index(events, "client", "recvfrom", echoed);
            Assert.True(sent >= 0 && received > sent && echoed > received && back > echoed, $"{message}: sendto {sent}, recvfrom {received}, echo {echoed}, back {back}");
            Assert.Equal((message, true), (events[sent].GetProperty("data").GetString(), events[sent].GetProperty("sends").GetBoolean()));
            Assert.Equal(message, events[back].GetProperty("data").GetString());
            after = back;
        }
        Assert.Equal(3, events.Count(e => e.GetProperty("kind").GetString() == "printed"));
    }

    [Fact]
    public async Task Run_WithAllRepliesLost_TheServersSendtoIsLost_AndTheClientSaysItHadNoAnswer()
    {
        await using DemoWebServer server = await StartAsync();

        var (events, last) = await RunAsync(server, "example=udp-echo-once&loss=100&seed=7");

        Assert.Equal("done", last.Event);
        int lost = events.FindIndex(e => e.GetProperty("lane").GetString() == "server" && Call(e) == "sendto" && e.GetProperty("lost").GetBoolean());
        Assert.True(lost >= 0, "the server's reply is told as lost");
        Assert.True(events[lost].GetProperty("sends").GetBoolean(), "a lost reply is still drawn as an arrow (with a cross)");
        Assert.Equal("lost", events[lost].GetProperty("impairment").GetString());
        Assert.DoesNotContain(events, e => e.GetProperty("lane").GetString() == "client" && Call(e) == "recvfrom" && e.GetProperty("kind").GetString() == "call" && !e.GetProperty("failed").GetBoolean());
        Assert.Equal("printed", events[^1].GetProperty("kind").GetString());
        Assert.Equal("client", events[^1].GetProperty("lane").GetString());
    }

    [Fact]
    public async Task Run_UdpLoss_KeepsItsOwnSeededSpec_UnlessThePageGivesOne()
    {
        await using DemoWebServer server = await StartAsync();

        var (own, _) = await RunAsync(server, "example=udp-loss");
        var (clean, _) = await RunAsync(server, "example=udp-loss&loss=0");

        Assert.Contains(own, e => e.GetProperty("kind").GetString() == "printed" && e.GetProperty("text").GetString()!.Contains("lost", StringComparison.Ordinal));
        Assert.Equal("inetkit serve echo --udp --impair none", clean.First(e => e.GetProperty("kind").GetString() == "printed").GetProperty("text").GetString());
        Assert.Equal("sent 6, received 6: all in order", clean.Last(e => e.GetProperty("kind").GetString() == "printed").GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("example=udp-echo&loss=101", "loss=101: give a percentage from 0 to 100")]
    [InlineData("example=udp-echo&duplicate=-1", "duplicate=-1: give a percentage from 0 to 100")]
    [InlineData("example=udp-echo&reorder=lots", "reorder=lots: give a percentage from 0 to 100")]
    [InlineData("example=udp-echo&loss=NaN", "loss=NaN: give a percentage from 0 to 100")]
    [InlineData("example=udp-echo&seed=1.5", "seed=1.5: give a whole number")]
    [InlineData("example=udp-echo&seed=99999999999", "seed=99999999999: give a whole number")]
    [InlineData("example=udp-echo-twice", "example=udp-echo-twice: no such example (udp-echo-once, ")]
    [InlineData("loss=5", "example=: no such example")]
    [InlineData("example=tcp-qotd&loss=5", "tcp-qotd: loss, duplication and reordering apply to the examples whose server answers over UDP (udp-echo-once, udp-echo, udp-loss)")]
    public async Task Run_WithNumbersThatCannotBe_Is400_WithOneLineThatSaysWhy(string query, string line)
    {
        await using DemoWebServer server = await StartAsync();
        using HttpClient client = ServerSentEvents.Client();

        using HttpResponseMessage response = await client.GetAsync(new Uri(server.Url, "run?" + query), Ct);
        string body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(line, body, StringComparison.Ordinal);
        Assert.Equal(1, body.Count(c => c == '\n'));
        Assert.EndsWith("\n", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("192.0.2.1")]
    public async Task AListenAddressBeyondLoopback_IsRefused_BeforeAnySocket(string address)
    {
        var failure = await Assert.ThrowsAsync<ArgumentException>(() => DemoWebServer.StartAsync(new IPEndPoint(IPAddress.Parse(address), 0), cancellationToken: Ct));

        Assert.Contains("loopback only", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestNamingAnotherHost_IsRefused()
    {
        // What a page elsewhere sends when its name has been made to resolve to 127.0.0.1 (DNS rebinding).
        await using DemoWebServer server = await StartAsync();
        using HttpClient client = ServerSentEvents.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Url, "examples"));
        request.Headers.Host = "inetkit.invalid";

        using HttpResponseMessage response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("Host inetkit.invalid: the demo answers to loopback names only", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }
}
