using System.Net.Sockets;
using Inetkit.Conformance;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Conformance;

/// <summary>Each chargen case against a server with exactly its defect.</summary>
public sealed class ChargenCasesTests
{
    private static readonly CheckOptions Options = new() { Timeout = TimeSpan.FromMilliseconds(400), Retries = 1 };

    /// <summary>Lines of <paramref name="width"/> characters, each starting one further round the ring first..last.</summary>
    private static byte[] Lines(byte first, byte last, int width, int count)
    {
        int ring = last - first + 1;
        var bytes = new List<byte>();
        for (int line = 0; line < count; line++)
        {
            bytes.AddRange(Enumerable.Range(0, width).Select(i => (byte)(first + ((line + i) % ring))));
            bytes.AddRange("\r\n"u8.ToArray());
        }
        return [.. bytes];
    }

    private static Func<Socket, CancellationToken, Task> Streaming(byte[] data) => async (client, ct) =>
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await client.SendAsync(data, SocketFlags.None, ct);
            }
        }
        catch (SocketException)
        {
            // The checker has read what it wanted and gone.
        }
    };

    [Fact]
    public async Task XinetdsRingOf93_FailsThePattern_AndNamesTheRing()
    {
        await using var server = DefectServer.Tcp(Streaming(Lines(0x21, 0x7D, 72, 93)));

        Dictionary<string, CaseResult> results = await ConformanceChecks.RunAsync(server.EndPoint, ServiceKind.Chargen, Options, Transport.Tcp);

        CaseResult pattern = results["chargen/tcp/pattern-two-periods"];
        Assert.Equal(Verdict.Fail, pattern.Verdict);
        Assert.EndsWith("lines of 72 characters over a ring of 93 characters, 0x21-0x7D (RFC 864's: 72 over 95, 0x20-0x7E)", pattern.Got, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamThatStopsEarly_FailsWithWhatCame()
    {
        await using var server = DefectServer.Tcp(async (client, ct) => await client.SendAsync(ChargenPattern.Slice(0, 1000), SocketFlags.None, ct));

        Dictionary<string, CaseResult> results = await ConformanceChecks.RunAsync(server.EndPoint, ServiceKind.Chargen, Options, Transport.Tcp);

        Assert.Equal((Verdict.Fail, "1,000 bytes, then the server closed"), (results["chargen/tcp/pattern-two-periods"].Verdict, results["chargen/tcp/pattern-two-periods"].Got));
    }

    [Fact]
    public async Task ADatagramOver512_Fails_AndAPatternSliceFromAnyOffsetPasses()
    {
        await using var tooLong = new DefectServer(null, _ => ChargenPattern.Slice(0, 600).ToArray());
        await using var fromOffset = new DefectServer(null, _ => ChargenPattern.Slice(1234, 512).ToArray());

        Dictionary<string, CaseResult> over = await ConformanceChecks.RunAsync(tooLong.EndPoint, ServiceKind.Chargen, Options, Transport.Udp);
        Dictionary<string, CaseResult> slice = await ConformanceChecks.RunAsync(fromOffset.EndPoint, ServiceKind.Chargen, Options, Transport.Udp);

        Assert.Equal((Verdict.Fail, "600 characters, more than the 512 RFC 864 allows; all of them the pattern"), (over["chargen/udp/pattern-up-to-512"].Verdict, over["chargen/udp/pattern-up-to-512"].Got));
        Assert.Equal(Verdict.Pass, slice["chargen/udp/pattern-up-to-512"].Verdict);
    }
}
