using System.Net;
using Inetkit.Exec;
using Inetkit.Protocol;

namespace Inetkit.Tests.Exec;

/// <summary>The environment an exec service's program gets: fixed, ucspi-tcp's names for the connection, and what was asked for.</summary>
public sealed class ChildEnvironmentTests
{
    private static readonly IPEndPoint Remote = IPEndPoint.Parse("192.0.2.7:40123");
    private static readonly IPEndPoint Local = IPEndPoint.Parse("198.51.100.1:7");

    [Fact]
    public void Build_Tcp_HasTheFixedEntriesAndUcspiTcpNames()
    {
        var environment = ChildEnvironment.Build("echo-exec", Transport.Tcp, Remote, Local, []);

        Assert.Equal(new Dictionary<string, string>
        {
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["LANG"] = "C.UTF-8",
            ["PROTO"] = "TCP",
            ["TCPREMOTEIP"] = "192.0.2.7",
            ["TCPREMOTEPORT"] = "40123",
            ["TCPLOCALIP"] = "198.51.100.1",
            ["TCPLOCALPORT"] = "7",
            ["INETKIT_SERVICE"] = "echo-exec",
        }, environment);
    }

    [Fact]
    public void Build_Udp_UsesTheUdpNames()
    {
        var environment = ChildEnvironment.Build("s", Transport.Udp, Remote, Local, []);

        Assert.Equal("UDP", environment["PROTO"]);
        Assert.Equal("192.0.2.7", environment["UDPREMOTEIP"]);
        Assert.Equal("40123", environment["UDPREMOTEPORT"]);
        Assert.Equal("198.51.100.1", environment["UDPLOCALIP"]);
        Assert.Equal("7", environment["UDPLOCALPORT"]);
        Assert.DoesNotContain("TCPREMOTEIP", environment.Keys);
    }

    [Fact]
    public void Build_Ipv4MappedAddresses_AreWrittenAsIpv4_OtherIpv6AsIs()
    {
        var mapped = new IPEndPoint(IPAddress.Parse("192.0.2.7").MapToIPv6(), 1);
        var v6 = new IPEndPoint(IPAddress.Parse("2001:db8::1"), 2);

        var environment = ChildEnvironment.Build("s", Transport.Tcp, mapped, v6, []);

        Assert.Equal("192.0.2.7", environment["TCPREMOTEIP"]);
        Assert.Equal("2001:db8::1", environment["TCPLOCALIP"]);
    }

    [Fact]
    public void Build_PassEnvironment_CopiesOursSetsValuesSkipsUnsetAndLaterWins()
    {
        string name = "INETKIT_TEST_PASS_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "ours");
        try
        {
            var environment = ChildEnvironment.Build("s", Transport.Tcp, Remote, Local,
                [name, "INETKIT_TEST_UNSET_" + Guid.NewGuid().ToString("N"), "GREETING=hello=world", "PATH=/opt/bin", "EMPTY="]);

            Assert.Equal("ours", environment[name]);
            Assert.Equal("hello=world", environment["GREETING"]);
            Assert.Equal("/opt/bin", environment["PATH"]);
            Assert.Equal("", environment["EMPTY"]);
            Assert.Equal(11, environment.Count); // the 8 fixed and three new: PATH was replaced, the unset one skipped
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Theory]
    [InlineData("=value")]
    [InlineData("")]
    [InlineData("A=b\0c")]
    public void Build_MalformedEntry_IsRefused(string entry)
    {
        var e = Assert.Throws<ArgumentException>(() => ChildEnvironment.Build("s", Transport.Tcp, Remote, Local, [entry]));

        Assert.StartsWith("environment entry '", e.Message, StringComparison.Ordinal);
    }
}
