using System.CommandLine;
using System.CommandLine.Parsing;

namespace Inetkit.Cli;

/// <summary>Range checks for option values, reported as parse errors (exit 2).</summary>
internal static class Ranges
{
    /// <summary>One line when <paramref name="option"/>'s value is not one of <paramref name="choices"/> (AcceptOnlyFromAmong's message spans five).</summary>
    public static void OneOf(Option<string> option, string[] choices)
    {
        option.CompletionSources.Add(choices);
        option.Validators.Add(r =>
        {
            string? value = r.GetValueOrDefault<string?>();
            if (!choices.Contains(value))
            {
                r.AddError($"{option.Name} '{value}' is not one of {string.Join(", ", choices)}");
            }
        });
    }

    public static void Require<T>(OptionResult result, T min, T max, string name) where T : struct, IComparable<T>
    {
        // .NET reads "1,5" as 15 (a thousands separator): a user who writes a decimal comma must hear of it, not wait 10 times longer.
        if (typeof(T) == typeof(double) && result.Tokens.FirstOrDefault(t => !IsPlainDecimal(t.Value)) is { } odd)
        {
            result.AddError($"{name} '{odd.Value}' is not a plain number (digits with at most one '.', such as 1.5)");
            return;
        }
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

    /// <summary>
    /// A command-level check that reads option values, made safe for values that did not parse: reading those
    /// throws, and the parser has already reported them (exit 2, one line), so the check has nothing to add.
    /// </summary>
    public static Action<CommandResult> Guarded(Action<CommandResult> validate) => result =>
    {
        try
        {
            validate(result);
        }
        catch (InvalidOperationException)
        {
            // An option's value could not be converted; its own error says so.
        }
    };

    private static bool IsPlainDecimal(string text)
    {
        int digits = 0, dots = 0;
        // A sign is plain too; the range check then says what is wrong with a negative value.
        foreach (char c in text.StartsWith('-') ? text[1..] : text)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (c == '.' && ++dots == 1)
            {
                continue;
            }
            else
            {
                return false;
            }
        }
        return digits > 0;
    }
}
