using System.Diagnostics;
using System.Net;
using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Conformance;

/// <summary>One case's verdict, with its level applied, and what it expected and got.</summary>
public sealed record CaseResult(ConformanceCase Case, Verdict Verdict, string Expected, string Got, TimeSpan Elapsed);

/// <summary>The cases of one service over one transport at one server; <see cref="Served"/> false if nothing listened there.</summary>
public sealed record ServiceCheck(IPEndPoint Server, ServiceKind Service, Transport Transport, bool Served, IReadOnlyList<CaseResult> Results);

/// <summary>
/// Runs cases one after another against one server. The first refusal (TCP RST, ICMP port unreachable) before any
/// case has had an answer means that transport is not served: the cases are skipped, not failed, since a student's
/// server may do only one transport. A refusal later means the server stopped serving: that case fails.
/// </summary>
public static class ConformanceRunner
{
    /// <summary>Runs the <paramref name="cases"/> of <paramref name="service"/> over <paramref name="transport"/> at <paramref name="server"/>, in order.</summary>
    public static async Task<ServiceCheck> RunAsync(IPEndPoint server, ServiceKind service, Transport transport, IEnumerable<ConformanceCase> cases, CheckOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(options);
        var results = new List<CaseResult>();
        var context = new CaseContext(server, service, options, cancellationToken);
        List<ConformanceCase> selected = [.. cases.Where(c => c.Service == service && c.Transport == transport)];
        foreach (ConformanceCase @case in selected)
        {
            long started = Stopwatch.GetTimestamp();
            CaseOutcome outcome;
            try
            {
                outcome = await @case.CheckAsync(context);
            }
            catch (NotServedException e) when (results.Count == 0)
            {
                string why = $"not served: {e.Message}";
                return new ServiceCheck(server, service, transport, false, [.. selected.Select(c => new CaseResult(c, Verdict.Skip, "", why, TimeSpan.Zero))]);
            }
            catch (NotServedException e)
            {
                outcome = CaseOutcome.Fail("the server to go on serving", StoppedAfter(context.Answered, transport, e.Message));
            }
            catch (ClientException e)
            {
                outcome = CaseOutcome.Fail("an answer", e.Message);
            }
            results.Add(Apply(@case, outcome, Stopwatch.GetElapsedTime(started)));
        }
        return new ServiceCheck(server, service, transport, true, results);
    }

    /// <summary>What a server that stopped had served: the seed's one-shot Example #1 serves one datagram, then exits.</summary>
    private static string StoppedAfter(int answered, Transport transport, string why)
    {
        string unit = transport == Transport.Udp ? "datagram" : "connection";
        string served = answered switch
        {
            0 => $"it served no {unit}",
            1 => $"it served one {unit} only",
            _ => $"it served {answered} {unit}s, then stopped",
        };
        return $"{served} ({why})";
    }

    /// <summary>A failed should is a warning; an info case never fails.</summary>
    private static CaseResult Apply(ConformanceCase @case, CaseOutcome outcome, TimeSpan elapsed)
    {
        Verdict verdict = (outcome.Verdict, @case.Level) switch
        {
            (Verdict.Fail, CaseLevel.Should or CaseLevel.Info) => Verdict.Warn,
            var (v, _) => v,
        };
        return new CaseResult(@case, verdict, outcome.Expected, outcome.Got, elapsed);
    }
}
