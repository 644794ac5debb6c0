using System.Globalization;
using Inetkit.Impairment;
using Microsoft.AspNetCore.Http;

namespace Inetkit.Demo.Web;

/// <summary>
/// What <c>GET /run</c> asks for: an example, and what its UDP server's replies go through. Any of <c>loss</c>,
/// <c>duplicate</c>, <c>reorder</c> (percentages, 0-100) or <c>seed</c> (an int) given replaces the example's own
/// impairment (udp-loss's seeded one), the percentages left out being 0.
/// </summary>
internal sealed record RunRequest(DemoExample Example, ImpairmentSpec? Impairment)
{
    private static readonly string[] Percentages = ["loss", "duplicate", "reorder"];

    /// <summary>The request, or one line that says what is wrong with it (answered with 400).</summary>
    public static RunRequest? Parse(IQueryCollection query, out string? problem)
    {
        problem = null;
        string name = query["example"].ToString();
        if (DemoCatalog.Find(name) is not { } example)
        {
            problem = $"example={name}: no such example ({string.Join(", ", DemoCatalog.All.Select(e => e.Name))})";
            return null;
        }
        var given = new Dictionary<string, double>();
        foreach (string key in Percentages)
        {
            if (Given(query, key) is not { } text)
            {
                continue;
            }
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double percent) || !(percent is >= 0 and <= 100))
            {
                problem = $"{key}={text}: give a percentage from 0 to 100";
                return null;
            }
            given[key] = percent / 100;
        }
        int? seed = null;
        if (Given(query, "seed") is { } seedText)
        {
            if (!int.TryParse(seedText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n))
            {
                problem = $"seed={seedText}: give a whole number (from {int.MinValue} to {int.MaxValue})";
                return null;
            }
            seed = n;
        }
        if (given.Count == 0 && seed is null)
        {
            return new RunRequest(example, null);
        }
        if (!example.TakesImpairment)
        {
            problem = $"{example.Name}: loss, duplication and reordering apply to the examples whose server answers over UDP "
                + $"({string.Join(", ", DemoCatalog.All.Where(e => e.TakesImpairment).Select(e => e.Name))})";
            return null;
        }
        var replies = new DatagramImpairment
        {
            Loss = given.GetValueOrDefault("loss"),
            Duplicate = given.GetValueOrDefault("duplicate"),
            Reorder = given.GetValueOrDefault("reorder"),
        };
        return new RunRequest(example, new ImpairmentSpec { DatagramsDown = replies, Seed = seed });
    }

    /// <summary>The parameter's text; an empty field of the page's form counts as not given.</summary>
    private static string? Given(IQueryCollection query, string key) =>
        query.TryGetValue(key, out var values) && values.ToString().Trim() is { Length: > 0 } text ? text : null;
}
