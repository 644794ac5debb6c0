using System.Net;
using System.Text;
using Inetkit.Conformance;
using Inetkit.Protocol;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Conformance;

/// <summary>Each daytime case against a server with exactly its defect.</summary>
public sealed class DaytimeCasesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static async Task<Dictionary<string, CaseResult>> CheckAsync(Func<string> line)
    {
        byte[] Bytes() => Encoding.UTF8.GetBytes(line());
        await using var server = new DefectServer(Bytes, _ => Bytes());
        var options = new CheckOptions { TimeProvider = new FakeTimeProvider(Now), Timeout = TimeSpan.FromMilliseconds(400), Retries = 1 };
        return await ConformanceChecks.RunAsync(server.EndPoint, ServiceKind.Daytime, options, Transport.Tcp, Transport.Udp);
    }

    [Theory]
    [InlineData("Tue Dec  1 12:00:00 2026\r\n", "ctime")]
    [InlineData("Tue, 01 Dec 2026 12:00:01 GMT\r\n", "RFC 1123")]
    [InlineData("01 DEC 2026 12:00:00 UTC\r\n", "xinetd's RFC 822")]
    [InlineData("2026-12-01T11:59:59Z\n", "RFC 3339")]
    public async Task AKnownFormatOnTime_PassesEveryCase_AndNamesTheFormat(string line, string format)
    {
        Dictionary<string, CaseResult> results = await CheckAsync(() => line);

        ConformanceChecks.OnlyThese(results, Verdict.Pass);
        Assert.StartsWith($"{format}, ", results["daytime/tcp/clock"].Got, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoLines_WarnOnOneLine_OnBothTransports()
    {
        Dictionary<string, CaseResult> results = await CheckAsync(() => "Tuesday\r\n1 December 2026, noon\r\n");

        ConformanceChecks.OnlyThese(results, Verdict.Warn, "daytime/tcp/one-line", "daytime/udp/one-line");
        Assert.Equal("2 lines (a line end at offset 7)", results["daytime/udp/one-line"].Got);
    }

    [Fact]
    public async Task NotAscii_WarnsOnTheCharacters()
    {
        Dictionary<string, CaseResult> results = await CheckAsync(() => "mardi 1 décembre 2026 12:00:00\r\n");

        ConformanceChecks.OnlyThese(results, Verdict.Warn, "daytime/tcp/printable-ascii", "daytime/udp/printable-ascii");
    }

    [Fact]
    public async Task LocalTimeAnHourAhead_IsAnInfoWarning_ThatNamesTheTimeZone()
    {
        Dictionary<string, CaseResult> results = await CheckAsync(() => "Tue Dec  1 13:00:00 2026\r\n");

        ConformanceChecks.OnlyThese(results, Verdict.Warn, "daytime/tcp/clock");
        Assert.Equal("ctime, 3,600 s ahead of the local clock: a whole time-zone offset, so most likely local time (RFC 867 names no zone; UTC is what clients assume)", results["daytime/tcp/clock"].Got);
    }

    [Fact]
    public async Task AnUnknownFormat_IsSaidSo_NotFailed()
    {
        Dictionary<string, CaseResult> results = await CheckAsync(() => "the twelfth hour of the first of December\r\n");

        ConformanceChecks.OnlyThese(results, Verdict.Pass);
        Assert.StartsWith("a format not recognised", results["daytime/tcp/clock"].Got, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerThatKeepsTheConnectionOpen_FailsTheCloseCases()
    {
        await using var server = DefectServer.Tcp(async (client, ct) =>
        {
            await client.SendAsync(Encoding.ASCII.GetBytes("Tue Dec  1 12:00:00 2026\r\n"), System.Net.Sockets.SocketFlags.None, ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var options = new CheckOptions { TimeProvider = new FakeTimeProvider(Now), Timeout = TimeSpan.FromMilliseconds(400), Retries = 1 };

        ServiceCheck check = await ConformanceRunner.RunAsync(server.EndPoint, ServiceKind.Daytime, Transport.Tcp, ConformanceSuite.All, options, TestContext.Current.CancellationToken);

        Dictionary<string, CaseResult> results = check.Results.ToDictionary(r => r.Case.Id);
        Assert.Equal("26 bytes, then nothing within 400 ms: the server did not close after its message", results["daytime/tcp/string-then-close"].Got);
        ConformanceChecks.OnlyThese(results, Verdict.Fail, "daytime/tcp/string-then-close", "daytime/tcp/input-ignored");
    }

    [Fact]
    public async Task NoAnswerToAnEmptyDatagram_FailsThatCaseOnly()
    {
        byte[] Line() => Encoding.ASCII.GetBytes("Tue Dec  1 12:00:00 2026\r\n");
        await using var server = new DefectServer(Line, request => request.Length == 0 ? null : Line());
        var options = new CheckOptions { TimeProvider = new FakeTimeProvider(Now), Timeout = TimeSpan.FromMilliseconds(300), Retries = 1 };

        Dictionary<string, CaseResult> results = await ConformanceChecks.RunAsync(server.EndPoint, ServiceKind.Daytime, options, Transport.Tcp, Transport.Udp);

        Assert.Equal("no reply within 300 ms, 2 datagrams sent", results["daytime/udp/empty-datagram"].Got);
        ConformanceChecks.OnlyThese(results, Verdict.Fail, "daytime/udp/empty-datagram");
    }
}
