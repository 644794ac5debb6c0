using Inetkit.Cli;

namespace Inetkit.Tests.Support;

/// <summary>Runs the inetkit command in-process with captured output, as the user would type it.</summary>
internal sealed class CliRunner
{
    public LineWriter Out { get; } = new();

    public LineWriter Err { get; } = new();

    public Task<int> RunAsync(CancellationToken stop, params string[] args) => InetkitCli.RunAsync(args, Out, Err, stop);

    public static async Task<(int Code, string Out, string Err)> RunToEndAsync(params string[] args)
    {
        var cli = new CliRunner();
        using var timeout = TestTimeout.Create();
        int code = await cli.RunAsync(timeout.Token, args).WaitAsync(timeout.Token);
        return (code, cli.Out.ToString(), cli.Err.ToString());
    }
}
