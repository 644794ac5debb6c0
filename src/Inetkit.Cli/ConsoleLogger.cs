using Microsoft.Extensions.Logging;

namespace Inetkit.Cli;

/// <summary>One line per message on stderr: <c>inetkit: warning: ...</c>. Debug and trace levels only with <c>--verbose</c>.</summary>
internal sealed class ConsoleLogger(TextWriter error, LogLevel minimum) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }
        string level = logLevel switch
        {
            LogLevel.Warning => "warning: ",
            LogLevel.Error or LogLevel.Critical => "error: ",
            LogLevel.Debug or LogLevel.Trace => "debug: ",
            _ => "",
        };
        lock (error)
        {
            error.WriteLine($"inetkit: {level}{formatter(state, exception)}");
        }
    }
}
