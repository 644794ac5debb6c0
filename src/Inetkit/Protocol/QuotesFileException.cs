namespace Inetkit.Protocol;

/// <summary>A quotes file could not be used; the message names the file and, where it applies, the entry.</summary>
public sealed class QuotesFileException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public QuotesFileException(string path, string problem)
        : base($"quotes file {path}: {problem}")
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file (or the source name given to <see cref="QuoteBook.Parse"/>).</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
