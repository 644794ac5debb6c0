using System.CommandLine.Parsing;

namespace Inetkit.Cli;

/// <summary>Range checks for option values, reported as parse errors (exit 2).</summary>
internal static class Ranges
{
    public static void Require<T>(OptionResult result, T min, T max, string name) where T : struct, IComparable<T>
    {
        T? value;
        try
        {
            value = result.GetValueOrDefault<T?>();
        }
        catch (InvalidOperationException)
        {
            // Not a number at all: the parser has already said so.
            return;
        }
        if (value is { } v && (v.CompareTo(min) < 0 || v.CompareTo(max) > 0))
        {
            result.AddError($"{name} {v} is out of range ({min}-{max})");
        }
    }
}
