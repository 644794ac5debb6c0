using System.Net;
using Inetkit.Conformance;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Interop;

/// <summary>
/// The whole conformance suite against xinetd's INTERNAL services (Debian's 2.3.15.3), over TCP and UDP on
/// 127.0.0.1; xinetd has no qotd. Needs xinetd and root (CI installs it); skipped otherwise.
/// </summary>
public sealed class XinetdConformanceTests
{
    /// <summary>Retries 2: xinetd drops about one in six back-to-back datagrams.</summary>
    private static readonly CheckOptions Options = new() { Timeout = TimeSpan.FromSeconds(1), Retries = 2 };

    private static readonly ServiceKind[] Services = [ServiceKind.Echo, ServiceKind.Discard, ServiceKind.Chargen, ServiceKind.Daytime, ServiceKind.Time];

    /// <summary>Each service over TCP and UDP, on one port: xinetd's ids are <c>echo-stream</c>, <c>echo-dgram</c> and so on.</summary>
    private static readonly string[] SocketTypes = ["stream", "dgram"];

    [Fact]
    public async Task Suite_FindsXinetdsChargenRing_ItsShortDatagramBuffers_AndThatItAnswersLowPorts()
    {
        using var timeout = TestTimeout.Create();
        var ports = Services.Zip(FreePorts.ForTcpAndUdp(Services.Length)).ToDictionary(p => p.First, p => p.Second);
        await using Xinetd xinetd = await Xinetd.StartAsync(
            [.. ports.SelectMany(p => SocketTypes.Select(type => (WellKnownPorts.Name(p.Key), $"{WellKnownPorts.Name(p.Key)}-{type}", type, p.Value)))],
            timeout.Token);

        Dictionary<string, CaseResult> results = await ConformanceChecks.RunAllAsync(IPAddress.Loopback, ports, Options, Transport.Tcp, Transport.Udp);

        // Its chargen cycles through 93 characters, not RFC 864's 95: the ring is named where the pattern breaks.
        Assert.Equal(
            "byte 1,699 (0x21) breaks it: lines of 72 characters over a ring of 93 characters, 0x21-0x7D (RFC 864's: 72 over 95, 0x20-0x7E)",
            ConformanceChecks.Got(results, "chargen/tcp/pattern-two-periods", Verdict.Fail));
        // Its UDP chargen fills a 1,024-byte buffer, past RFC 864's 512.
        string datagram = ConformanceChecks.Got(results, "chargen/udp/pattern-up-to-512", Verdict.Fail);
        Assert.StartsWith("1,024 characters, more than the 512 RFC 864 allows; and byte ", datagram, StringComparison.Ordinal);
        Assert.StartsWith("1,024 bytes in one datagram: amplification 1024x", ConformanceChecks.Got(results, "chargen/udp/amplification", Verdict.Warn), StringComparison.Ordinal);
        // Its UDP echo receives into 2,048 bytes.
        foreach (int size in new[] { 4097, 8192, 65507 })
        {
            string got = ConformanceChecks.Got(results, $"echo/udp/datagram-{size}", Verdict.Fail);
            Assert.StartsWith($"2,048 bytes where {size:N0} were expected", got, StringComparison.Ordinal);
            Assert.Contains("recvfrom(2048)", got, StringComparison.Ordinal);
        }
        // This version answers a source port below 1024 (later xinetds drop them: CVE-1999-0103's loop).
        foreach (string service in new[] { "echo", "chargen", "daytime", "time" })
        {
            Assert.StartsWith("it answered port ", ConformanceChecks.Got(results, $"{service}/udp/low-source-port", Verdict.Warn), StringComparison.Ordinal);
        }
        ConformanceChecks.Verdicts(results, Verdict.Warn, "daytime/udp/amplification", "time/udp/amplification");
        // Its daytime is its "SMTP format" in local time, named by its zone: read, and found on time, where that is UTC.
        string clock = ConformanceChecks.Got(results, "daytime/tcp/clock", Verdict.Pass);
        bool utcHere = TimeZoneInfo.Local.BaseUtcOffset == TimeSpan.Zero && !TimeZoneInfo.Local.SupportsDaylightSavingTime;
        Assert.True(clock.StartsWith("xinetd's RFC 822, ", StringComparison.Ordinal) || (!utcHere && clock.StartsWith("a format not recognised", StringComparison.Ordinal)), clock);
        ConformanceChecks.ClosedOrResetAfterMessage(results, "daytime/tcp/input-ignored");

        ConformanceChecks.Verdicts(results, Verdict.Pass,
            "echo/tcp/one-byte", "echo/tcp/line", "echo/tcp/1mib-small-pieces", "echo/tcp/1mib-large-pieces", "echo/tcp/half-close", "echo/tcp/two-clients", "echo/tcp/survives-reset",
            "echo/udp/datagram-1", "echo/udp/datagram-512", "echo/udp/datagram-1472", "echo/udp/empty-datagram", "echo/udp/reply-from-server-port", "echo/udp/amplification",
            "discard/tcp/1mib-nothing-back", "discard/tcp/closes-after-half-close", "discard/udp/nothing-back", "discard/udp/amplification", "discard/udp/low-source-port",
            "chargen/udp/reply-from-server-port",
            "daytime/tcp/string-then-close", "daytime/tcp/one-line", "daytime/tcp/printable-ascii",
            "daytime/udp/any-datagram", "daytime/udp/empty-datagram", "daytime/udp/one-line", "daytime/udp/printable-ascii", "daytime/udp/reply-from-server-port",
            "time/tcp/four-bytes-then-close", "time/tcp/seconds-since-1900", "time/udp/empty-datagram", "time/udp/seconds-since-1900", "time/udp/reply-from-server-port");
    }
}
