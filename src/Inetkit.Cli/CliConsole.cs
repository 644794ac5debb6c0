namespace Inetkit.Cli;

/// <summary>The streams a command uses, and whether they are terminals (for prompts and live progress lines).</summary>
internal sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error, bool InIsTerminal, bool ErrorIsTerminal)
{
    public static CliConsole System => new(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected, !Console.IsErrorRedirected)
    {
        OutIsTerminal = !Console.IsOutputRedirected,
    };

    /// <summary>True when stdout is a terminal: the only place colour goes.</summary>
    public bool OutIsTerminal { get; init; }

    /// <summary>Colour on stdout: a terminal, and no NO_COLOR (no-color.org) in the environment.</summary>
    public bool Colour => OutIsTerminal && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>For tests and embedding: no terminal, and the given input (empty if none).</summary>
    public static CliConsole Captured(TextWriter output, TextWriter error, TextReader? input = null) => new(input ?? TextReader.Null, output, error, false, false);
}
