using Inetkit.Clients;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Clients;

public sealed class ClientLibraryTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", 10007)]
    [InlineData("127.0.0.1:7", "127.0.0.1", 7)]
    [InlineData("[::1]:10007", "::1", 10007)]
    [InlineData("[::1]", "::1", 10007)]
    [InlineData("::1", "::1", 10007)]
    [InlineData("fe80::1%eth0", "fe80::1%eth0", 10007)]
    [InlineData("localhost", "localhost", 10007)]
    [InlineData("host.example:99", "host.example", 99)]
    public void ServiceAddress_ParsesHostAndPort(string text, string host, int port)
    {
        Assert.Equal(new ServiceAddress(host, port), ServiceAddress.Parse(text, ServiceKind.Echo));
    }

    [Fact]
    public void ServiceAddress_PortOptionWins_OffsetAppliesOtherwise()
    {
        Assert.Equal(5, ServiceAddress.Parse("127.0.0.1:7", ServiceKind.Echo, port: 5).Port);
        Assert.Equal(37, ServiceAddress.Parse("127.0.0.1", ServiceKind.Time, portOffset: 0).Port);
        Assert.Equal(10017, ServiceAddress.Parse("localhost", ServiceKind.Qotd).Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData(":7")]
    [InlineData("[::1")]
    [InlineData("[::1]x")]
    [InlineData("[::1]:")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:-1")]
    public void ServiceAddress_Malformed_IsAFormatError(string text)
    {
        Assert.Throws<FormatException>(() => ServiceAddress.Parse(text, ServiceKind.Echo));
    }

    [Fact]
    public async Task ServiceAddress_Localhost_ResolvesFromTheHostsFile_IPv4First()
    {
        var endpoints = await new ServiceAddress("localhost", 7).ResolveAsync(TestContext.Current.CancellationToken);

        Assert.NotEmpty(endpoints);
        Assert.Equal(System.Net.IPAddress.Loopback, endpoints[0].Address);
    }

    [Fact]
    public async Task TimeClient_After2036Wrap_ReadsTheNewEra()
    {
        using var timeout = TestTimeout.Create();
        var clock = new FakeTimeProvider(new DateTimeOffset(2036, 2, 7, 6, 29, 0, TimeSpan.Zero));
        await using InetServer server = await Servers.StartAsync(ServiceKind.Time, configure: o => o with { TimeProvider = clock });
        var address = new ServiceAddress("127.0.0.1", server.EndPoint(ServiceKind.Time, Transport.Tcp).Port);

        TimeResult result = await new TimeClient(address, new ClientOptions { TimeProvider = clock }).GetAsync(timeout.Token);

        Assert.Equal(44u, result.Seconds); // 44 s after the wrap at 06:28:16
        Assert.Equal(new DateTimeOffset(2036, 2, 7, 6, 29, 0, TimeSpan.Zero), result.Time);
        Assert.Equal(-0.5, result.LocalOffset.TotalSeconds, 3); // same clock: off only by the protocol's half second
    }

    [Fact]
    public void ChargenVerifier_AcceptsThePatternInAnyChunking_FromAnyOffset()
    {
        byte[] stream = new byte[20_000];
        ChargenPattern.Fill(stream, 4321);
        var verifier = new ChargenVerifier();

        for (int i = 0; i < stream.Length; i += 7)
        {
            Assert.Equal(-1, verifier.Check(stream.AsSpan(i, Math.Min(7, stream.Length - i))));
        }

        Assert.Equal(4321, verifier.StartOffset);
        Assert.Equal(20_000, verifier.Position);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(73)]
    [InlineData(74)]
    [InlineData(9000)]
    public void ChargenVerifier_FindsTheFirstWrongByte(int wrong)
    {
        byte[] stream = new byte[10_000];
        ChargenPattern.Fill(stream);
        stream[wrong] = 0x00;

        Assert.Equal(wrong, new ChargenVerifier().Check(stream));
    }

    [Fact]
    public void ChargenVerifier_XinetdsNinetyThreeCharacterRing_IsNotRfc864()
    {
        // xinetd's chargen rotates through 93 characters, not 95: it leaves the RFC pattern once line + column reaches 93.
        byte[] xinetd = [.. Enumerable.Range(0, 10_000).Select(i => (byte)(0x20 + ((i / 74) + (i % 74)) % 93)).Select((b, i) => i % 74 == 72 ? (byte)'\r' : i % 74 == 73 ? (byte)'\n' : b)];

        Assert.NotEqual(-1, new ChargenVerifier().Check(xinetd));
    }
}
