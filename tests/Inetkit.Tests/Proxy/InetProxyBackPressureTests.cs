using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Impairment;
using Inetkit.Protocol;
using Inetkit.Proxy;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Proxy;

/// <summary>
/// A client that sends and does not read: the relay keeps back what the other side does not take, reads no more
/// from the sender until it has gone, loses nothing, and stalls no other connection. On both relays, and across the
/// hand-over to the pumps when toxics come while bytes are held back.
/// </summary>
public sealed class InetProxyBackPressureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<bool> Paths => InetProxyTests.Paths;

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Tcp_AClientThatReadsSlowly_GetsEveryByteInOrder_AndStallsNoOtherConnection(bool traced)
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Tcp), Transport = Transport.Tcp, Trace = InetProxyTests.Traced(traced) }, Ct);
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await slow.ConnectAsync(proxy.EndPoint, Ct);
        Task sending = SendAllAsync(slow);

        var echoed = new MemoryStream();
        await ReadAsync(slow, echoed, until: 1024 * 1024);
        // The echo backs up from this client to the server and the relay keeps back its share; another client is served meanwhile.
        using (var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await other.ConnectAsync(proxy.EndPoint, Ct);
            Assert.Equal("meanwhile", await InetProxyLiveChangeTests.ExchangeAsync(other, "meanwhile"));
        }
        await ReadAsync(slow, echoed, until: int.MaxValue);
        await sending;

        Assert.Equal(Total, echoed.Length);
        Assert.True(echoed.ToArray().AsSpan().SequenceEqual(Pattern(Total)), "the echo differs from what was sent");
        // The other client's nine bytes each way included.
        Assert.Equal(((long)Total + 9, (long)Total + 9), (proxy.Statistics.BytesUp, proxy.Statistics.BytesDown));
    }

    [Fact]
    public async Task Tcp_ToxicsThatComeWhileBytesAreHeldBack_DeliverThemInOrder()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Tcp), Transport = Transport.Tcp }, Ct);
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await slow.ConnectAsync(proxy.EndPoint, Ct);
        Task sending = SendAllAsync(slow);
        var echoed = new MemoryStream();
        await ReadAsync(slow, echoed, until: 1024 * 1024);

        // A limit far above what is sent: the pumps take the connection over with what the relay holds, and the bytes pass.
        proxy.Impairment = ImpairmentSpec.Parse($"limit-data={Total * 4}", Direction.Both);
        await ReadAsync(slow, echoed, until: int.MaxValue);
        await sending;

        Assert.Equal(Total, echoed.Length);
        Assert.True(echoed.ToArray().AsSpan().SequenceEqual(Pattern(Total)), "the echo differs from what was sent");
        Assert.Equal((1, (long)Total, (long)Total), (proxy.Statistics.Connections, proxy.Statistics.BytesUp, proxy.Statistics.BytesDown));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Tcp_StoppingTheProxy_ClosesTheConnectionsItRelays(bool traced)
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Tcp), Transport = Transport.Tcp, Trace = InetProxyTests.Traced(traced) }, Ct);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint, Ct);
        Assert.Equal("open", await InetProxyLiveChangeTests.ExchangeAsync(client, "open"));

        await proxy.DisposeAsync();

        Assert.Equal(0, await client.ReceiveAsync(new byte[16], SocketFlags.None, Ct));
        Assert.Equal(0, proxy.Statistics.ConnectionsRefused);
    }

    // Far beyond what the kernel's buffers on the way hold, so that the relay has to hold back and wait.
    private const int Total = 16 * 1024 * 1024;

    /// <summary>The pattern in 64 KB sends, then the FIN: it goes on only behind everything held back on the way.</summary>
    private static async Task SendAllAsync(Socket client)
    {
        byte[] pattern = Pattern(Total);
        for (int sent = 0; sent < Total; sent += 64 * 1024)
        {
            await client.SendAsync(pattern.AsMemory(sent, Math.Min(64 * 1024, Total - sent)), SocketFlags.None, Ct);
        }
        client.Shutdown(SocketShutdown.Send);
    }

    /// <summary>Reads half a kilobyte at a time, far slower than the relay's 64 KB, until <paramref name="until"/> bytes or the end.</summary>
    private static async Task ReadAsync(Socket client, MemoryStream into, int until)
    {
        byte[] buffer = new byte[512];
        int read;
        while (into.Length < until && (read = await client.ReceiveAsync(buffer, SocketFlags.None, Ct)) > 0)
        {
            into.Write(buffer, 0, read);
        }
    }

    private static byte[] Pattern(int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + (i >> 16));
        }
        return bytes;
    }
}
