using Inetkit.Cli;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// Inputs kept from fuzz/run.sh (AFL++ through SharpFuzz; fuzz/README.md): each crashed a parser once, or reached
/// a path the seeds did not, and must now get the parser's own answer.
/// </summary>
public sealed class FuzzRegressionTests
{
    /// <summary>
    /// The cli target's crashes, minimised, as the content of a response file (inetkit @FILE): System.CommandLine
    /// let a NUL in a file-name value or in a nested @NAME, a directory, and a file naming itself escape as an
    /// ArgumentException, an UnauthorizedAccessException or a stack overflow. {self} stands for the file's own path.
    /// </summary>
    [Theory]
    [InlineData("scan\n127.0.0.1\n--scope\na\0b\n")]
    [InlineData("serve\necho\n--quotes\nq\0\n")]
    [InlineData("scan\n127.0.0.1\n--output\n\0\n")]
    [InlineData("scan\n@a\0b\n")]
    [InlineData("@.\n")]
    [InlineData("scan\n@{self}\n")]
    public async Task Cli_ResponseFile_IsRefusedInOneLine_Exit2(string content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"inetkit-fuzz-{Guid.NewGuid():N}.rsp");
        await File.WriteAllTextAsync(path, content.Replace("{self}", path, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var output = new LineWriter();
        var error = new LineWriter();
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync(); // a command that wrongly runs stops at once
        try
        {
            int code = await InetkitCli.RunAsync(["@" + path], output, error, stopped.Token).WaitAsync(TestTimeout.Create().Token);

            Assert.Equal(2, code);
            Assert.Empty(output.Lines);
            Assert.Contains(error.Lines, line => line.StartsWith("inetkit: response file @", StringComparison.Ordinal));
            Assert.DoesNotContain(error.Lines, line => line.Contains("   at ", StringComparison.Ordinal) || line.Contains("Exception", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
