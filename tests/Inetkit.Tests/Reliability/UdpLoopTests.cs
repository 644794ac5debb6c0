using Inetkit.Hosting;
using Inetkit.Hosting.Internal;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// Two Inetkit servers on addresses beyond loopback and on ports outside every map, pointed at each other by one
/// spoofed datagram (a raw socket): the port rules cannot see these loops. A loop is one datagram going round, so one
/// refusal ends it: the reflection guard ends those where a reply comes straight back (echo with anything, and two
/// daytime, time or chargen servers answering alike), the no-amplification rule ends qotd's, and the per-source rate
/// ends the rest (chargen with daytime or time) once its burst is spent. Runs in an empty network namespace
/// (<c>unshare -n</c>, TEST-NET-1 addresses on its own lo), so nothing can leave the machine; needs root, python3
/// and unshare, skipped otherwise.
/// </summary>
public sealed class UdpLoopTests
{
    // The per-source burst (twice the default 10/s), and as many again for what refills while a slow machine turns the loop.
    private const int RateBound = 2 * 2 * (int)InetServerOptions.DefaultUdpRate;

    private const string Script = """
        set -u
        DOTNET="$1"; DLL="$2"; WORK="$3"; SA="$4"; SB="$5"
        ip link set lo up && ip addr add 192.0.2.1/32 dev lo && ip addr add 192.0.2.2/32 dev lo || exit 90
        "$DOTNET" "$DLL" serve "$SA" --udp --bind 192.0.2.1 --port 0 --trace > "$WORK/a.out" 2> "$WORK/a.log" &
        A=$!
        "$DOTNET" "$DLL" serve "$SB" --udp --bind 192.0.2.2 --port 0 --trace > "$WORK/b.out" 2> "$WORK/b.log" &
        B=$!
        for _ in $(seq 400); do grep -q 192.0.2.1 "$WORK/a.out" && grep -q 192.0.2.2 "$WORK/b.out" && break; sleep 0.05; done
        PA=$(grep -oE '192\.0\.2\.1:[0-9]+' "$WORK/a.out" | head -1 | cut -d: -f2)
        PB=$(grep -oE '192\.0\.2\.2:[0-9]+' "$WORK/b.out" | head -1 | cut -d: -f2)
        [ -n "$PA" ] && [ -n "$PB" ] || { kill $A $B; exit 91; }
        python3 -c "
        import socket, struct
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
        s.bind(('192.0.2.1', 0))
        payload = b'one spoofed datagram, long enough for any reply: ' + b'x' * 550
        s.sendto(struct.pack('!HHHH', $PA, $PB, 8 + len(payload), 0) + payload, ('192.0.2.2', 0))
        " || { kill $A $B; exit 92; }
        for _ in $(seq 400); do grep -qE "\\((dropped|no reply):" "$WORK/a.log" "$WORK/b.log" && break; sleep 0.05; done
        kill -TERM $A $B
        wait $A $B
        """;

    [Theory]
    [InlineData("echo", "echo", "(dropped: this source keeps sending our own replies straight back", ReflectionGuard.BouncesToMute + 1)]
    [InlineData("daytime", "daytime", "(dropped: this source keeps sending our own replies straight back", ReflectionGuard.BouncesToMute + 1)]
    [InlineData("time", "time", "(dropped: this source keeps sending our own replies straight back", ReflectionGuard.BouncesToMute + 1)]
    [InlineData("chargen", "echo", "(dropped: this source keeps sending our own replies straight back", ReflectionGuard.BouncesToMute + 1)]
    [InlineData("qotd", "qotd", "(no reply: it would be longer than the", 2)]
    [InlineData("chargen", "daytime", "(dropped: this source is over its --udp-rate", RateBound)]
    [InlineData("chargen", "time", "(dropped: this source is over its --udp-rate", RateBound)]
    public async Task TwoServersBeyondLoopback_SetOffBySpoofedDatagram_StopAfterAFewTurns(string serviceA, string serviceB, string ending, int maxRepliesEach)
    {
        Assert.SkipUnless(NetworkNamespace.Available, NetworkNamespace.Unavailable);
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(60));
        string work = Directory.CreateTempSubdirectory("inetkit-loop-").FullName;
        try
        {
            await NetworkNamespace.RunAsync(Script.Replace("        ", "", StringComparison.Ordinal), work, timeout.Token, [.. NetworkNamespace.Inetkit, work, serviceA, serviceB]);

            string[] a = await File.ReadAllLinesAsync(Path.Combine(work, "a.log"), timeout.Token);
            string[] b = await File.ReadAllLinesAsync(Path.Combine(work, "b.log"), timeout.Token);
            int sentByA = a.Count(l => l.Contains("sendto(", StringComparison.Ordinal)), sentByB = b.Count(l => l.Contains("sendto(", StringComparison.Ordinal));
            Assert.Contains(a.Concat(b), l => l.Contains(ending, StringComparison.Ordinal));
            // The loop did start (B answered the spoofed datagram, A answered B), and was cut after a few turns each.
            Assert.InRange(sentByB, 1, maxRepliesEach);
            Assert.InRange(sentByA, 1, maxRepliesEach);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
