using System.Net;
using Inetkit.Conformance;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Interop;

/// <summary>
/// The whole conformance suite against the internal services of Debian's other inetds, openbsd-inetd and
/// inetutils-inetd, unpacked by .ci/run and run on loopback ports with their own config and /etc/services
/// (<see cref="Inetd"/>). Needs the unpacked packages and root; skipped otherwise. Neither has qotd.
/// </summary>
public sealed class InetdConformanceTests
{
    private static readonly CheckOptions Options = new() { Timeout = TimeSpan.FromSeconds(1), Retries = 2 };

    private static readonly ServiceKind[] Services = [ServiceKind.Echo, ServiceKind.Discard, ServiceKind.Chargen, ServiceKind.Daytime, ServiceKind.Time];

    private static readonly string[] AnswersLowPorts = ["echo/udp/low-source-port", "chargen/udp/low-source-port", "daytime/udp/low-source-port", "time/udp/low-source-port"];

    [Fact]
    public async Task OpenBsdInetd_TcpOnBothLoopbacks_UdpOnIpv6_PassesButForItsEchoBufferAndLowPorts()
    {
        using var timeout = TestTimeout.Create();
        await using Inetd inetd = await Inetd.StartAsync(Inetd.OpenBsd, Services, timeout.Token);

        Dictionary<string, CaseResult> tcp = await ConformanceChecks.RunAllAsync(IPAddress.Loopback, inetd.Ports, Options, Transport.Tcp);
        Dictionary<string, CaseResult> ipv6 = await ConformanceChecks.RunAllAsync(IPAddress.IPv6Loopback, inetd.Ports, Options, Transport.Tcp, Transport.Udp);

        foreach (Dictionary<string, CaseResult> results in new[] { tcp, ipv6 })
        {
            ConformanceChecks.Verdicts(results, Verdict.Pass,
                "echo/tcp/one-byte", "echo/tcp/line", "echo/tcp/1mib-small-pieces", "echo/tcp/1mib-large-pieces", "echo/tcp/half-close", "echo/tcp/two-clients", "echo/tcp/survives-reset",
                "discard/tcp/1mib-nothing-back", "discard/tcp/closes-after-half-close", "chargen/tcp/pattern-two-periods",
                "daytime/tcp/string-then-close", "daytime/tcp/one-line", "daytime/tcp/printable-ascii",
                "time/tcp/four-bytes-then-close", "time/tcp/seconds-since-1900");
            // Its daytime is ctime's, on time.
            Assert.StartsWith("ctime, ", ConformanceChecks.Got(results, "daytime/tcp/clock", Verdict.Pass), StringComparison.Ordinal);
            // Daytime is answered from inetd itself, which writes and closes without reading.
            ConformanceChecks.ClosedOrResetAfterMessage(results, "daytime/tcp/input-ignored");
        }
        // Its UDP echo receives into 4,096 bytes, as the seed's does.
        foreach (int size in new[] { 4097, 8192, 65507 })
        {
            string got = ConformanceChecks.Got(ipv6, $"echo/udp/datagram-{size}", Verdict.Fail);
            Assert.StartsWith($"4,096 bytes where {size:N0} were expected", got, StringComparison.Ordinal);
            Assert.Contains("recvfrom(4096)", got, StringComparison.Ordinal);
        }
        // Its dg_badinput drops 127/8 and broadcast sources, but over IPv6 it checks no port: a port below 1024 is answered.
        ConformanceChecks.Verdicts(ipv6, Verdict.Warn, AnswersLowPorts);
        Assert.StartsWith("74 bytes in one datagram: amplification 74x", ConformanceChecks.Got(ipv6, "chargen/udp/amplification", Verdict.Warn), StringComparison.Ordinal);
        ConformanceChecks.Verdicts(ipv6, Verdict.Warn, "daytime/udp/amplification", "time/udp/amplification");
        Assert.Equal("74 characters of it", ConformanceChecks.Got(ipv6, "chargen/udp/pattern-up-to-512", Verdict.Pass));
        ConformanceChecks.Verdicts(ipv6, Verdict.Pass,
            "echo/udp/datagram-1", "echo/udp/datagram-512", "echo/udp/datagram-1472", "echo/udp/empty-datagram", "echo/udp/reply-from-server-port", "echo/udp/amplification",
            "discard/udp/nothing-back", "discard/udp/amplification", "discard/udp/low-source-port", "chargen/udp/reply-from-server-port",
            "daytime/udp/any-datagram", "daytime/udp/empty-datagram", "daytime/udp/one-line", "daytime/udp/printable-ascii", "daytime/udp/reply-from-server-port",
            "time/udp/empty-datagram", "time/udp/seconds-since-1900", "time/udp/reply-from-server-port");
    }

    [Fact]
    public async Task OpenBsdInetd_AnswersNoDatagramFrom127()
    {
        using var timeout = TestTimeout.Create();
        await using Inetd inetd = await Inetd.StartAsync(Inetd.OpenBsd, Services, timeout.Token);

        // Silence is the answer every time (its dg_badinput drops any source in 127/8), so one try each, briefly.
        Dictionary<string, CaseResult> results = await ConformanceChecks.RunAllAsync(IPAddress.Loopback, inetd.Ports, Options with { Timeout = TimeSpan.FromMilliseconds(300), Retries = 0 }, Transport.Udp);

        string[] silent =
        [
            .. EchoDatagrams, "echo/udp/reply-from-server-port", "chargen/udp/pattern-up-to-512",
            "daytime/udp/any-datagram", "daytime/udp/empty-datagram", "time/udp/empty-datagram", "time/udp/seconds-since-1900",
        ];
        foreach (string id in silent)
        {
            Assert.StartsWith("no reply within 300 ms", ConformanceChecks.Got(results, id, Verdict.Fail), StringComparison.Ordinal);
        }
        ConformanceChecks.Verdicts(results, Verdict.Warn, "daytime/udp/one-line", "daytime/udp/printable-ascii", "chargen/udp/reply-from-server-port", "daytime/udp/reply-from-server-port", "time/udp/reply-from-server-port");
        // Dropped, not refused: the service is there (the transport served), and discard passes as ever.
        ConformanceChecks.Verdicts(results, Verdict.Pass, "discard/udp/nothing-back", "echo/udp/low-source-port", "chargen/udp/amplification");
        Assert.Contains("someone wants echo", inetd.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InetutilsInetd_Tcp_SendsEightByteTimes()
    {
        using var timeout = TestTimeout.Create();
        await using Inetd inetd = await Inetd.StartAsync(Inetd.Inetutils, Services, timeout.Token);

        // inetutils-inetd sleeps 1 s whenever a child's SIGCHLD interrupts its select(), before it accepts again:
        // a wait of 3 s keeps that pause from passing for silence.
        Dictionary<string, CaseResult> results = await ConformanceChecks.RunAllAsync(IPAddress.Loopback, inetd.Ports, Options with { Timeout = TimeSpan.FromSeconds(3) }, Transport.Tcp);

        // Its time is a time_t, eight bytes on this machine: the 32-bit value htonl'd into its low half.
        Assert.Equal("8 bytes, the last 4 of them zero: a 64-bit long (a time_t) holding the 32-bit value, written whole; send the 4 bytes of a uint32_t, then the server closed", ConformanceChecks.Got(results, "time/tcp/four-bytes-then-close", Verdict.Fail));
        Assert.Matches("^8 bytes, the last 4 of them zero: a 64-bit long \\(a time_t\\) holding the 32-bit value, written whole; send the 4 bytes of a uint32_t; the first 4 read [0-9,]+ \\(20[0-9-]+T[0-9:]+Z\\), [^,]+ from the local clock$", ConformanceChecks.Got(results, "time/tcp/seconds-since-1900", Verdict.Fail));
        Assert.StartsWith("ctime, ", ConformanceChecks.Got(results, "daytime/tcp/clock", Verdict.Pass), StringComparison.Ordinal);
        ConformanceChecks.ClosedOrResetAfterMessage(results, "daytime/tcp/input-ignored");
        ConformanceChecks.Verdicts(results, Verdict.Pass,
            "echo/tcp/one-byte", "echo/tcp/line", "echo/tcp/1mib-small-pieces", "echo/tcp/1mib-large-pieces", "echo/tcp/half-close", "echo/tcp/two-clients", "echo/tcp/survives-reset",
            "discard/tcp/1mib-nothing-back", "discard/tcp/closes-after-half-close", "chargen/tcp/pattern-two-periods",
            "daytime/tcp/string-then-close", "daytime/tcp/one-line", "daytime/tcp/printable-ascii");
    }

    [Fact]
    public async Task InetutilsInetd_Udp_CutsEchoAt8192_AndSendsEightByteTimes()
    {
        using var timeout = TestTimeout.Create();
        await using Inetd inetd = await Inetd.StartAsync(Inetd.Inetutils, Services, timeout.Token);

        Dictionary<string, CaseResult> results = await ConformanceChecks.RunAllAsync(IPAddress.Loopback, inetd.Ports, Options, Transport.Udp);

        string cut = ConformanceChecks.Got(results, "echo/udp/datagram-65507", Verdict.Fail);
        Assert.StartsWith("8,192 bytes where 65,507 were expected", cut, StringComparison.Ordinal);
        Assert.Contains("recvfrom(8192)", cut, StringComparison.Ordinal);
        Assert.Equal("8 bytes, the last 4 of them zero: a 64-bit long (a time_t) holding the 32-bit value, written whole; send the 4 bytes of a uint32_t", ConformanceChecks.Got(results, "time/udp/empty-datagram", Verdict.Fail));
        Assert.Matches("^8 bytes, the last 4 of them zero: a 64-bit long \\(a time_t\\) holding the 32-bit value, written whole; send the 4 bytes of a uint32_t; the first 4 read [0-9,]+ \\(20[0-9-]+T[0-9:]+Z\\), [^,]+ from the local clock$", ConformanceChecks.Got(results, "time/udp/seconds-since-1900", Verdict.Fail));
        Assert.StartsWith("8 bytes in one datagram: amplification 8x", ConformanceChecks.Got(results, "time/udp/amplification", Verdict.Warn), StringComparison.Ordinal);
        Assert.StartsWith("74 bytes in one datagram: amplification 74x", ConformanceChecks.Got(results, "chargen/udp/amplification", Verdict.Warn), StringComparison.Ordinal);
        ConformanceChecks.Verdicts(results, Verdict.Warn, [.. AnswersLowPorts, "daytime/udp/amplification"]);
        Assert.Equal("74 characters of it", ConformanceChecks.Got(results, "chargen/udp/pattern-up-to-512", Verdict.Pass));
        ConformanceChecks.Verdicts(results, Verdict.Pass,
            "echo/udp/datagram-1", "echo/udp/datagram-512", "echo/udp/datagram-1472", "echo/udp/datagram-4097", "echo/udp/datagram-8192", "echo/udp/empty-datagram",
            "echo/udp/reply-from-server-port", "echo/udp/amplification",
            "discard/udp/nothing-back", "discard/udp/amplification", "discard/udp/low-source-port", "chargen/udp/reply-from-server-port",
            "daytime/udp/any-datagram", "daytime/udp/empty-datagram", "daytime/udp/one-line", "daytime/udp/printable-ascii", "daytime/udp/reply-from-server-port",
            "time/udp/reply-from-server-port");
    }

    private static readonly string[] EchoDatagrams =
        ["echo/udp/datagram-1", "echo/udp/datagram-512", "echo/udp/datagram-1472", "echo/udp/datagram-4097", "echo/udp/datagram-8192", "echo/udp/datagram-65507", "echo/udp/empty-datagram"];
}
