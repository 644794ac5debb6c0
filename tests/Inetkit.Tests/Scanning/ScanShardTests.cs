using System.Net;
using Inetkit.Protocol;
using Inetkit.Scanning;

namespace Inetkit.Tests.Scanning;

public sealed class ScanShardTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Shards_AreDisjoint_AndTheirUnionIsTheWhole(int count)
    {
        var hosts = TargetSpec.Parse(["192.0.2.0/28", "2001:db8::/126"]).Addresses().ToList();
        var space = (from h in hosts from p in new[] { Transport.Tcp, Transport.Udp } from port in Enumerable.Range(1, 300) select (h, p, port)).ToList();
        ScanShard[] shards = [.. Enumerable.Range(1, count).Select(i => new ScanShard(i, count))];

        int[] owners = [.. space.Select(item => shards.Count(s => s.Includes(item.h, item.p, item.port)))];
        int[] sizes = [.. shards.Select(s => space.Count(item => s.Includes(item.h, item.p, item.port)))];

        Assert.All(owners, n => Assert.Equal(1, n));
        Assert.Equal(space.Count, sizes.Sum());
        Assert.All(sizes, n => Assert.InRange(n, space.Count / count / 2, space.Count)); // every shard gets real work
    }

    [Fact]
    public void Includes_IsTheSameForAMappedAndAPlainIPv4Address()
    {
        var shard = new ScanShard(1, 2);
        for (int port = 1; port < 100; port++)
        {
            Assert.Equal(shard.Includes(IPAddress.Parse("192.0.2.1"), Transport.Tcp, port), shard.Includes(IPAddress.Parse("::ffff:192.0.2.1"), Transport.Tcp, port));
        }
    }

    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("2/4", 2, 4)]
    public void Parse_Valid(string text, int index, int count)
    {
        Assert.Equal(new ScanShard(index, count), ScanShard.Parse(text));
    }

    [Theory]
    [InlineData("0/4")]
    [InlineData("5/4")]
    [InlineData("1/0")]
    [InlineData("1")]
    [InlineData("1/2/3")]
    [InlineData("a/b")]
    [InlineData("-1/4")]
    [InlineData("1/2000000")]
    public void Parse_Invalid(string text)
    {
        Assert.Throws<FormatException>(() => ScanShard.Parse(text));
    }
}
