namespace Inetkit.Cli;

/// <summary>A config file that cannot be served: one line naming the file, line and column (exit 1, nothing bound).</summary>
internal sealed class ServeConfigException(string file, int line, int column, string message)
    : Exception($"{file}:{line}:{column}: {message}")
{
    public string File => file;

    public int Line => line;

    public int Column => column;
}
