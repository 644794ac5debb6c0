using System.Net;
using BenchmarkDotNet.Attributes;
using Inetkit.Protocol;
using Inetkit.Scanning;

namespace Inetkit.Benchmarks;

/// <summary>What the scanner does for every (host, port) besides the connect: the shard's hash and the report.</summary>
[MemoryDiagnoser]
public class ScanHotPathBenchmarks
{
    private readonly ScanShard _shard = new(2, 4);
    private readonly IPAddress _address = IPAddress.Parse("192.0.2.77");
    private readonly IPAddress _v6 = IPAddress.Parse("2001:db8::77");
    private int _port;

    [Benchmark(Description = "shard decision, IPv4")]
    public bool ShardV4() => _shard.Includes(_address, Transport.Tcp, ++_port & 0xffff);

    [Benchmark(Description = "shard decision, IPv6")]
    public bool ShardV6() => _shard.Includes(_v6, Transport.Tcp, ++_port & 0xffff);
}
