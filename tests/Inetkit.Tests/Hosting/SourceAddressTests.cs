using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting.Internal;

namespace Inetkit.Tests.Hosting;

public sealed class SourceAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", 53211)]
    [InlineData("192.0.2.1", 1)]
    [InlineData("::1", 65535)]
    [InlineData("2001:db8::42", 40000)]
    public void FromSocketAddress_ReadsTheNativeBytesLikeIPEndPoint(string address, int port)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse(address), port);
        SocketAddress raw = endPoint.Serialize();

        SourceAddress parsed = SourceAddress.From(raw);

        Assert.Equal(SourceAddress.From(endPoint), parsed);
        Assert.Equal(port, parsed.Port);
        Assert.Equal(endPoint.Address, parsed.ToIPAddress());
        Assert.Equal(endPoint.ToString(), parsed.ToString());
        Assert.Equal(endPoint.AddressFamily == AddressFamily.InterNetwork, parsed.IsIPv4);
    }

    [Fact]
    public void MappedIPv4_IsTheSameSourceAsPlainIPv4()
    {
        Assert.Equal(
            SourceAddress.From(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5)),
            SourceAddress.From(new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), 5)));
    }
}
