using System.Text.RegularExpressions;

namespace Inetkit.Conformance;

/// <summary>Every case, in the order they run: per service, TCP before UDP.</summary>
public static class ConformanceSuite
{
    /// <summary>Every case of every service.</summary>
    public static IReadOnlyList<ConformanceCase> All { get; } = [.. EchoStreamCases.All, .. EchoCases.All, .. DiscardCases.All, .. ChargenCases.All, .. QotdCases.All, .. DaytimeCases.All, .. TimeCases.All];

    /// <summary>The cases whose id matches <paramref name="pattern"/>: <c>*</c> stands for any run of characters (<c>echo/udp/*</c>, <c>*/tcp/*</c>).</summary>
    public static IEnumerable<ConformanceCase> Matching(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var glob = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        return All.Where(c => glob.IsMatch(c.Id));
    }
}
