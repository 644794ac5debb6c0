using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Proxy;
using Inetkit.Proxy.Api;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Proxy;

public sealed partial class ToxiproxyApiTests
{
    [Fact]
    public async Task AToxicAdded_ActsOnAConnectionAlreadyOpen_WithoutDroppingIt_AndItsRemovalToo()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);
        IPEndPoint at = await CreateAsync(http, "echo", echo);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(at, Ct);
        Assert.Equal("before", await InetProxyLiveChangeTests.ExchangeAsync(client, "before"));

        using (HttpResponseMessage added = await PostAsync(http, "/proxies/echo/toxics", """{"type":"limit_data","attributes":{"bytes":1000}}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }
        Assert.Equal("during", await InetProxyLiveChangeTests.ExchangeAsync(client, "during"));
        using (HttpResponseMessage updated = await PostAsync(http, "/proxies/echo/toxics/limit_data_downstream", """{"attributes":{"bytes":4}}"""))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        }
        await client.SendAsync("fourfive"u8.ToArray(), SocketFlags.None, Ct);
        byte[] got = new byte[16];
        int have = 0, read;
        while ((read = await client.ReceiveAsync(got.AsMemory(have), SocketFlags.None, Ct)) > 0)
        {
            have += read;
        }

        Assert.Equal("four", System.Text.Encoding.ASCII.GetString(got, 0, have));
        Assert.Equal(1, api.GetProxy("echo")!.Statistics.Connections);
    }

    [Fact]
    public async Task AProxyOfTheProgramsOwn_IsListed_AndItsToxicsAreTheApis()
    {
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        using HttpClient http = Client(api);

        InetProxy proxy = await api.AddProxyAsync("mine", new InetProxyOptions { Target = echo.EndPoint(ServiceKind.Echo, Transport.Tcp), Transport = Transport.Tcp, MaxConnections = 3 }, Ct);

        using JsonDocument listed = await GetJsonAsync(http, "/proxies/mine");
        Assert.Equal((proxy.EndPoint.ToString(), Upstream(echo), true), (listed.RootElement.GetProperty("listen").GetString(), listed.RootElement.GetProperty("upstream").GetString(), listed.RootElement.GetProperty("enabled").GetBoolean()));
        using (HttpResponseMessage added = await PostAsync(http, "/proxies/mine/toxics", """{"type":"limit_data","attributes":{"bytes":3}}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }
        Assert.Equal("hel", await EchoAsync(proxy.EndPoint, "hello"));
        await Assert.ThrowsAsync<ToxiproxyApiException>(() => api.AddProxyAsync("mine", new InetProxyOptions { Target = echo.EndPoint(ServiceKind.Echo, Transport.Tcp) }, Ct));
    }
}
