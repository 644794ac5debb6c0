using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary><c>serve --impair</c> on the command line: a spec that cannot be, refused with the part named, before anything binds.</summary>
public sealed class ServeImpairCommandTests
{
    [Theory]
    [InlineData("impairment 'loss=150%': a percentage is 0-100%", "--impair", "loss=150%")]
    [InlineData("impairment 'loss=x': a percentage ends in %, as in loss=5%", "--impair", "echo=loss=x")]
    [InlineData("impairment 'slicer=4': a stream toxic, and only UDP is served (--udp); stream toxics act on TCP connections", "--udp", "--impair", "loss=1%,slicer=4")]
    public async Task ASpecThatCannotBe_IsAUsageError_NamingThePart(string message, params string[] args)
    {
        var (code, output, error) = await CliRunner.RunToEndAsync(["serve", "--port", "0", "echo", .. args]);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith($"inetkit: {message}\n", error, StringComparison.Ordinal);
    }
}
