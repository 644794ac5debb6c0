using Inetkit.Conformance.Reports;
using Spectre.Console;

namespace Inetkit.Cli;

/// <summary>Runs a check's services one after another, with a live progress bar on stderr (done/total cases, what is running) when stderr is a terminal.</summary>
internal static class CheckProgressView
{
    /// <summary>One service over one transport at one target: its label, its number of cases, and the work.</summary>
    public sealed record Run(string Label, int Cases, Func<Task<CheckedService>> Work);

    public static async Task<List<CheckedService>> RunAsync(IReadOnlyList<Run> runs, CliConsole console)
    {
        var done = new List<CheckedService>();
        if (!console.ErrorIsTerminal)
        {
            foreach (Run run in runs)
            {
                done.Add(await run.Work());
            }
            return done;
        }
        IAnsiConsole terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Error) });
        int total = Math.Max(1, runs.Sum(r => r.Cases));
        await terminal.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask("checking", maxValue: total);
                int failed = 0;
                foreach (Run run in runs)
                {
                    task.Description = Markup.Escape($"{run.Label}: {failed} failed so far");
                    CheckedService result = await run.Work();
                    failed += CheckSummary.Of(result.Check.Results).Failed;
                    task.Increment(run.Cases);
                    done.Add(result);
                }
            });
        return done;
    }
}
