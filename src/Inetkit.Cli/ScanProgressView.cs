using Inetkit.Scanning;
using Spectre.Console;

namespace Inetkit.Cli;

/// <summary>Runs a scan with a live progress bar on stderr (done/total, rate, time left, open so far) when stderr is a terminal.</summary>
internal static class ScanProgressView
{
    public static async Task<ScanReport> RunAsync(PortScanner scanner, ScanPlan plan, bool keepAll, CliConsole console, CancellationToken cancellationToken)
    {
        if (!console.ErrorIsTerminal)
        {
            return await scanner.RunAsync(plan, keepAll, cancellationToken);
        }
        IAnsiConsole terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Error) });
        return await terminal.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask("scanning", maxValue: Math.Max(1, plan.Positions));
                Task<ScanReport> scan = scanner.RunAsync(plan, keepAll, cancellationToken);
                while (!scan.IsCompleted)
                {
                    await Task.WhenAny(scan, Task.Delay(200, CancellationToken.None));
                    ScanProgress progress = scanner.Progress;
                    task.Value = progress.Done;
                    task.Description = $"{progress.Done:N0}/{progress.Total:N0} ports, {progress.Rate:N0}/s, {progress.Open:N0} open";
                }
                return await scan;
            });
    }
}
