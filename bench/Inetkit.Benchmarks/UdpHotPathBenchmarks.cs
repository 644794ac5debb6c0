using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Inetkit.Hosting.Internal;
using Inetkit.Services;

namespace Inetkit.Benchmarks;

/// <summary>What the server does for every datagram besides the two system calls: the source check and the reply.</summary>
[MemoryDiagnoser]
public class UdpHotPathBenchmarks
{
    private readonly byte[] _request = new byte[64];
    private readonly byte[] _reply = new byte[65535];
    private readonly EchoService _echo = new();
    private readonly ChargenService _chargen = new();
    private UdpSourcePolicy _loopbackPolicy = null!;
    private UdpSourcePolicy _remotePolicy = null!;
    private SourceAddress _loopback;
    private SourceAddress _remote;

    [GlobalSetup]
    public void Setup()
    {
        _loopbackPolicy = new UdpSourcePolicy([10007], null, null, allowAmplification: false, TimeProvider.System);
        _remotePolicy = new UdpSourcePolicy([10007], 1e9, 1e9, allowAmplification: false, TimeProvider.System);
        _loopback = SourceAddress.From(new IPEndPoint(IPAddress.Loopback, 40000));
        _remote = SourceAddress.From(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 40000));
    }

    [Benchmark(Description = "source policy, loopback")]
    public UdpVerdictResult PolicyLoopback() => new(_loopbackPolicy.Check(_loopback, _request.Length, out int max), max);

    [Benchmark(Description = "source policy, remote with rate limits")]
    public UdpVerdictResult PolicyRemote() => new(_remotePolicy.Check(_remote, _request.Length, out int max), max);

    [Benchmark(Description = "echo reply, 64 bytes")]
    public int EchoReply() => _echo.TryRespond(_request, _reply, out int length) ? length : -1;

    [Benchmark(Description = "chargen reply, full datagram")]
    public int ChargenReply() => _chargen.TryRespond(_request, _reply, out int length) ? length : -1;

    public readonly record struct UdpVerdictResult(Hosting.UdpVerdict Verdict, int MaxReply);
}
