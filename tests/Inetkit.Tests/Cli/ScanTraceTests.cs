using System.Net;
using System.Net.Sockets;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary><c>scan --trace</c> tells each probe's socket calls in the seed note's words, one probe after another.</summary>
public sealed class ScanTraceTests
{
    [Fact]
    public async Task Trace_NarratesEachProbe_TcpAndUdp()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        int open = ((IPEndPoint)listener.LocalEndPoint!).Port, closed = ClosedPort.Tcp(), closedUdp = ClosedPort.Udp();

        var (code, output, error) = await CliRunner.RunToEndAsync("scan", "127.0.0.1", "-p", $"T:{open},{closed},U:{closedUdp}", "--trace");

        Assert.Equal(0, code);
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] openStory = [.. lines.Where(l => l.StartsWith($"[scan/tcp 127.0.0.1:{open}]", StringComparison.Ordinal))];
        Assert.Equal(3, openStory.Length);
        Assert.EndsWith("socket(AF_INET, SOCK_STREAM)", openStory[0], StringComparison.Ordinal);
        Assert.Contains($"connect(127.0.0.1:{open}) -> connected from 127.0.0.1:", openStory[1], StringComparison.Ordinal);
        Assert.EndsWith("close()  # linger 0: sends RST, leaves no TIME_WAIT", openStory[2], StringComparison.Ordinal);
        Assert.Contains(lines, l => l == $"[scan/tcp 127.0.0.1:{closed}] connect(127.0.0.1:{closed}) -> ECONNREFUSED (the port answered with RST): closed");
        Assert.Contains(lines, l => l == $"[scan/udp 127.0.0.1:{closedUdp}] sendto(0 bytes, 127.0.0.1:{closedUdp})");
        Assert.Contains(lines, l => l == $"[scan/udp 127.0.0.1:{closedUdp}] recvfrom(2048) -> ECONNREFUSED (an ICMP port unreachable came back): closed");
        // One probe at a time: each probe's story is told whole before the next begins.
        var order = lines.Select(l => l[..(l.IndexOf(']', StringComparison.Ordinal) + 1)]).ToList();
        Assert.Equal(order.Distinct().Count(), order.Select((p, i) => i == 0 || order[i - 1] != p).Count(start => start));
        Assert.Contains($"{open}/tcp", output, StringComparison.Ordinal);
    }
}
