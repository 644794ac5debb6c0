using Inetkit.Protocol;

namespace Inetkit.Conformance.Reports;

/// <summary>One service over one transport at one target, under the name the user gave the target.</summary>
public sealed record CheckedService(string Target, ServiceCheck Check)
{
    /// <summary><c>echo</c>, <c>time</c>...</summary>
    public string Service => WellKnownPorts.Name(Check.Service);

    /// <summary><c>tcp</c> or <c>udp</c>.</summary>
    public string Transport => Check.Transport == Protocol.Transport.Udp ? "udp" : "tcp";
}

/// <summary>How many cases ended each way.</summary>
public sealed record CheckSummary(int Passed, int Failed, int Warnings, int Skipped)
{
    /// <summary>The counts of <paramref name="results"/>.</summary>
    public static CheckSummary Of(IEnumerable<CaseResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        int passed = 0, failed = 0, warnings = 0, skipped = 0;
        foreach (CaseResult result in results)
        {
            switch (result.Verdict)
            {
                case Verdict.Pass: passed++; break;
                case Verdict.Fail: failed++; break;
                case Verdict.Warn: warnings++; break;
                default: skipped++; break;
            }
        }
        return new CheckSummary(passed, failed, warnings, skipped);
    }

    /// <summary><c>14 passed, 1 failed, 1 warning</c>: what is zero left out, but for passed.</summary>
    public override string ToString()
    {
        var parts = new List<string> { $"{Passed} passed" };
        if (Failed > 0)
        {
            parts.Add($"{Failed} failed");
        }
        if (Warnings > 0)
        {
            parts.Add(Warnings == 1 ? "1 warning" : $"{Warnings} warnings");
        }
        if (Skipped > 0)
        {
            parts.Add($"{Skipped} skipped");
        }
        return string.Join(", ", parts);
    }
}

/// <summary>Everything one <c>inetkit check</c> found, in the order it ran: per target, per service, TCP then UDP.</summary>
public sealed class CheckReport(IReadOnlyList<CheckedService> services)
{
    /// <summary>Each service and transport checked.</summary>
    public IReadOnlyList<CheckedService> Services { get; } = services;

    /// <summary>The counts over every case.</summary>
    public CheckSummary Summary => CheckSummary.Of(Services.SelectMany(s => s.Check.Results));

    /// <summary>False when nothing listened at any target, on any transport.</summary>
    public bool AnythingServed => Services.Any(s => s.Check.Served);

    /// <summary>The sections of the text report: a target and a service, with its transports.</summary>
    public IEnumerable<IGrouping<(string Target, string Service), CheckedService>> Sections =>
        Services.GroupBy(s => (s.Target, s.Service));
}
