using Inetkit.IO;

namespace Inetkit.Cli;

/// <summary>Files of targets (<c>-iL FILE</c>, <c>-</c> for stdin), as scan and check read them: whitespace or commas between, <c>#</c> comments.</summary>
internal static class TargetLists
{
    // A target list far longer than any scan of this kind needs (a million addresses take some 16 MB), and a bound
    // on what "-iL /dev/zero" or an endless pipe can make us hold.
    private const long MaxListBytes = 64L << 20;

    public static IEnumerable<string> Read(string file, string option, string verb, CliConsole console, Func<string, Exception> error)
    {
        string text;
        try
        {
            text = file == "-" ? BoundedText.Read(console.In, MaxListBytes) : BoundedText.DecodeUtf8(BoundedText.ReadFile(file, MaxListBytes), strict: false);
        }
        catch (TextTooLargeException)
        {
            throw error($"{option} {file}: holds more than {MaxListBytes:N0} bytes; split the list and {verb} it in parts");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw error($"{option} {file}: {e.Message}");
        }
        return text.Split('\n').Select(line => line.Split('#')[0]).SelectMany(line => line.Split([' ', '\t', '\r', ','], StringSplitOptions.RemoveEmptyEntries));
    }
}
