using System.Text.Json;
using Inetkit.Hosting;
using Microsoft.Extensions.Logging;

namespace Inetkit.Cli;

/// <summary>
/// One line per message on stderr: <c>inetkit: warning: ...</c>, or with <c>--log-format json</c> one JSON object
/// per line with stable keys (<c>time</c>, <c>level</c>, <c>message</c>; a connection's fields for
/// <c>--log-connections</c>), for journald, Loki or jq. Debug and trace levels only with <c>--verbose</c>.
/// </summary>
internal sealed class ConsoleLogger(TextWriter error, LogLevel minimum, bool json = false, TimeProvider? clock = null) : ILogger
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }
        string message = formatter(state, exception);
        if (json)
        {
            Write(JsonLine(w =>
            {
                w.WriteString("time", _clock.GetUtcNow());
                w.WriteString("level", LevelName(logLevel));
                w.WriteString("message", message);
            }));
            return;
        }
        string level = logLevel switch
        {
            LogLevel.Warning => "warning: ",
            LogLevel.Error or LogLevel.Critical => "error: ",
            LogLevel.Debug or LogLevel.Trace => "debug: ",
            _ => "",
        };
        Write($"inetkit: {level}{message}");
    }

    /// <summary>One of serve's own lines (serving, stopping), at information level.</summary>
    public void Say(string message) => Log(LogLevel.Information, default, message, null, (m, _) => m);

    /// <summary>A warning line of serve's own.</summary>
    public void Warn(string message) => Log(LogLevel.Warning, default, message, null, (m, _) => m);

    /// <summary>An error line.</summary>
    public void Fail(string message) => Log(LogLevel.Error, default, message, null, (m, _) => m);

    /// <summary>A line of <c>--log-connections</c>: xinetd's log_on_success and log_on_failure fields.</summary>
    public void Connection(ConnectionLogEntry entry)
    {
        string transport = entry.Transport == Protocol.Transport.Tcp ? "tcp" : "udp";
        if (json)
        {
            Write(JsonLine(w =>
            {
                w.WriteString("time", entry.Time);
                w.WriteString("level", "info");
                w.WriteString("event", "connection");
                w.WriteString("service", entry.Service);
                w.WriteString("transport", transport);
                w.WriteString("client", entry.Client.Address.ToString());
                w.WriteNumber("client_port", entry.Client.Port);
                w.WriteString("outcome", entry.Outcome);
                w.WriteNumber("duration_ms", Math.Round(entry.Duration.TotalMilliseconds, 3));
                WriteOptional(w, "bytes_in", entry.BytesIn);
                WriteOptional(w, "bytes_out", entry.BytesOut);
                WriteOptional(w, "pid", entry.Pid);
                if (entry.Exit is not null)
                {
                    w.WriteString("exit", entry.Exit);
                }
            }));
            return;
        }
        var line = new System.Text.StringBuilder($"inetkit: {entry.Time:yyyy-MM-ddTHH:mm:ss.fffZ} {entry.Service}/{transport} {entry.Client} {entry.Outcome}");
        if (!entry.Outcome.StartsWith("refused", StringComparison.Ordinal))
        {
            line.Append($" duration={entry.Duration.TotalMilliseconds:0.#}ms");
        }
        if (entry.BytesIn is { } bytesIn)
        {
            line.Append($" in={bytesIn}");
        }
        if (entry.BytesOut is { } bytesOut)
        {
            line.Append($" out={bytesOut}");
        }
        if (entry.Pid is { } pid)
        {
            line.Append($" pid={pid}");
        }
        if (entry.Exit is { } exit)
        {
            line.Append(exit.StartsWith("exit(", StringComparison.Ordinal) ? $" exit={exit[5..^1]}" : $" signal={exit}");
        }
        Write(line.ToString());
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "critical",
    };

    private static string JsonLine(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        // Relaxed: a log line is not HTML, and '+' or '<' in a message should read as themselves.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private void Write(string line)
    {
        lock (error)
        {
            error.WriteLine(line);
        }
    }
}
