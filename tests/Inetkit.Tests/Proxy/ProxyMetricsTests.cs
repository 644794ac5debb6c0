using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Proxy;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Proxy;

/// <summary>A proxy's counts on the Inetkit meter, under its name, read by a <see cref="System.Diagnostics.Metrics.MeterListener"/>.</summary>
public sealed class ProxyMetricsTests
{
    [Fact]
    public async Task Relayed_ConnectionsDatagramsAndBytes_AreCountedUnderTheProxysName()
    {
        using var timeout = TestTimeout.Create();
        string name = $"proxy-{Guid.NewGuid():N}";
        using var metrics = new MeterRecorder(name);
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        await using InetProxy proxy = await InetProxy.StartAsync(new InetProxyOptions { Target = server.EndPoint(ServiceKind.Echo, Transport.Tcp), Name = name }, timeout.Token);
        byte[] data = Net.RandomBytes(100);
        const int Datagrams = 3;

        Assert.Equal(data, await Net.ExchangeAsync(proxy.EndPoint, Transport.Tcp, data, timeout.Token));
        using Socket client = Net.Udp(AddressFamily.InterNetwork);
        for (int i = 0; i < Datagrams; i++)
        {
            Assert.Equal(data, await Net.UdpExchangeAsync(client, proxy.EndPoint, data, timeout.Token));
        }
        await metrics.WaitForAsync("inetkit.proxy.relayed", (1 + Datagrams) * data.Length, timeout.Token, ("proxy", name), ("direction", "down"));

        Assert.Equal(1, metrics.Value("inetkit.proxy.connections", ("proxy", name)));
        Assert.Equal((1 + Datagrams) * data.Length, metrics.Value("inetkit.proxy.relayed", ("proxy", name), ("direction", "up")));
        Assert.Equal(Datagrams, metrics.Value("inetkit.proxy.datagrams", ("proxy", name), ("direction", "up")));
        Assert.Equal(Datagrams, metrics.Value("inetkit.proxy.datagrams", ("proxy", name), ("direction", "down")));
        Assert.Equal(1, metrics.Value("inetkit.proxy.sessions", ("proxy", name)));
        Assert.Equal(0, metrics.Value("inetkit.proxy.connections.refused", ("proxy", name)));
    }
}
