using System.CommandLine;
using System.CommandLine.Parsing;
using Inetkit.IO;

namespace Inetkit.Cli;

/// <summary>
/// <c>@FILE</c> arguments: the file's lines, split as on a command line (blank lines and lines starting with #
/// skipped), stand in for it, and a <c>@NAME</c> among them is expanded in turn. System.CommandLine's own reader
/// lets a directory or unreadable file, a NUL character in a name, and a file that names itself escape as an
/// exception or a stack overflow, and hands a NUL inside the file on to file-name options, which then throw (all
/// found by fuzz/run.sh's cli target). Here each is a parse error: exit 2, one line.
/// </summary>
internal static class ResponseFiles
{
    // Deep enough for any real chain of files; a file that names itself, directly or not, stops here.
    private const int MaxDepth = 16;

    // Arguments for people to read: a device or a log named by mistake is refused, not read into memory.
    private const int MaxChars = 1 << 20;

    public static ParserConfiguration Configuration { get; } = new() { ResponseFileTokenReplacer = TryExpand };

    private static bool TryExpand(string tokenToReplace, out IReadOnlyList<string>? replacementTokens, out string? errorMessage)
    {
        var tokens = new List<string>();
        errorMessage = Expand(tokenToReplace, tokens, depth: 1);
        replacementTokens = errorMessage is null ? tokens : null;
        return errorMessage is null;
    }

    private static string? Expand(string path, List<string> tokens, int depth)
    {
        string name = path.Replace("\0", "\\0", StringComparison.Ordinal);
        if (depth > MaxDepth)
        {
            return $"response file @{name}: response files nest more than {MaxDepth} deep (does one name itself?)";
        }
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return $"response file @{name}: a file name cannot hold a NUL character";
        }
        string text;
        try
        {
            using var reader = new StreamReader(path);
            text = BoundedText.Read(reader, MaxChars);
        }
        catch (TextTooLargeException)
        {
            return $"response file @{name} is larger than {MaxChars:N0} characters; it should hold arguments, one or more per line";
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return $"response file @{name} does not exist";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"response file @{name} cannot be read: {e.Message}";
        }
        foreach (string line in text.Split(['\r', '\n']))
        {
            string arguments = line.Trim();
            if (arguments.Length == 0 || arguments[0] == '#')
            {
                continue;
            }
            foreach (string word in CommandLineParser.SplitCommandLine(arguments))
            {
                if (word.Length > 1 && word[0] == '@')
                {
                    if (Expand(word[1..], tokens, depth + 1) is { } error)
                    {
                        return error;
                    }
                }
                else if (word.Contains('\0', StringComparison.Ordinal))
                {
                    return $"response file @{name} holds a NUL character; it must be text, arguments one or more per line";
                }
                else
                {
                    tokens.Add(word);
                }
            }
        }
        return null;
    }
}
