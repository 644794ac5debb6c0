namespace Inetkit.Cli;

/// <summary>The streams a command uses, and whether they are terminals (for prompts and live progress lines).</summary>
internal sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error, bool InIsTerminal, bool ErrorIsTerminal)
{
    public static CliConsole System => new(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected, !Console.IsErrorRedirected);

    /// <summary>For tests and embedding: no terminal, and the given input (empty if none).</summary>
    public static CliConsole Captured(TextWriter output, TextWriter error, TextReader? input = null) => new(input ?? TextReader.Null, output, error, false, false);
}
