using System.Net;
using System.Net.Sockets;
using System.Text;
using Inetkit.Hosting;
using Inetkit.Impairment;
using Inetkit.Protocol;
using Inetkit.Proxy;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Proxy;

/// <summary>
/// The impairment changed while a TCP connection is open: it applies to that connection from its next chunk (or at
/// once, when it is idle), in order, and the connection is not dropped for it.
/// </summary>
public sealed class InetProxyLiveChangeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tcp_EachChangeApplies_ToTheConnectionAlreadyOpen()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Tcp), Transport = Transport.Tcp }, Ct);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint, Ct);
        Assert.Equal("one", await ExchangeAsync(client, "one"));

        // From no toxics to some: the next chunk goes through them (a limit far above what is sent).
        proxy.Impairment = ImpairmentSpec.Parse("down:limit-data=100", Direction.Both);
        Assert.Equal("two", await ExchangeAsync(client, "two"));

        // From some to none: what passes now goes straight through.
        proxy.Impairment = ImpairmentSpec.None;
        Assert.Equal("three", await ExchangeAsync(client, "three"));

        // And a limit set now counts from now: four bytes of the next echo, then the close.
        proxy.Impairment = ImpairmentSpec.Parse("down:limit-data=4", Direction.Both);
        await client.SendAsync("fourfive"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal("four", Encoding.ASCII.GetString(await ReadToEndAsync(client)));

        Assert.Equal(1, proxy.Statistics.Connections);
    }

    [Fact]
    public async Task Tcp_AResetAdded_WhileTheConnectionIsIdle_ResetsItAtOnce()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Tcp), Transport = Transport.Tcp }, Ct);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint, Ct);
        Assert.Equal("hello", await ExchangeAsync(client, "hello"));

        // Nothing is sent after this: only the change itself can wake the relay.
        proxy.Impairment = ImpairmentSpec.Parse("down:reset=0", Direction.Both);

        SocketException reset = await Assert.ThrowsAsync<SocketException>(() => ReadToEndAsync(client));
        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
    }

    [Fact]
    public async Task Tcp_AChangeToTheOtherDirection_LeavesThisOnesToxicsRunning()
    {
        // limit-data counts from when its toxic starts: were the downstream toxics restarted by an upstream change,
        // the 6 bytes already through would be forgotten and the last echo would pass whole.
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Tcp), Transport = Transport.Tcp }, Ct);
        proxy.Impairment = ImpairmentSpec.Parse("down:limit-data=10", Direction.Both);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint, Ct);
        Assert.Equal("abcdef", await ExchangeAsync(client, "abcdef"));

        proxy.Impairment = ImpairmentSpec.Parse("down:limit-data=10,up:limit-data=1000", Direction.Both);
        await client.SendAsync("ghijklmn"u8.ToArray(), SocketFlags.None, Ct);

        Assert.Equal("ghij", Encoding.ASCII.GetString(await ReadToEndAsync(client)));
    }

    /// <summary>Sends the text and reads until as many bytes came back (an echo may come in pieces).</summary>
    internal static async Task<string> ExchangeAsync(Socket client, string text)
    {
        byte[] sent = Encoding.ASCII.GetBytes(text);
        await client.SendAsync(sent, SocketFlags.None, Ct);
        byte[] got = new byte[sent.Length];
        int have = 0;
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(10));
        while (have < got.Length)
        {
            int read = await client.ReceiveAsync(got.AsMemory(have), SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                break;
            }
            have += read;
        }
        return Encoding.ASCII.GetString(got, 0, have);
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var all = new MemoryStream();
        byte[] buffer = new byte[4096];
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(10));
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            all.Write(buffer, 0, read);
        }
        return all.ToArray();
    }
}
