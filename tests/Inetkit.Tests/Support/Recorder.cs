using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Inetkit.Tests.Support;

/// <summary>Collects what a server reports (log lines, connection records) and lets a test wait for one, as <see cref="TraceRecorder"/> does for trace lines.</summary>
internal class Recorder<T>
{
    private readonly ConcurrentQueue<T> _items = new();
    private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Done)> _waiters = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<T> Items => [.. _items];

    public void Add(T item)
    {
        _items.Enqueue(item);
        lock (_lock)
        {
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(item))
                {
                    _waiters[i].Done.TrySetResult(item);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Completes with the first item (already seen or yet to come) that matches.</summary>
    public Task<T> WaitForAsync(Func<T, bool> match, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (T seen in _items)
            {
                if (match(seen))
                {
                    return Task.FromResult(seen);
                }
            }
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }
}

/// <summary>A logger that records each line as <c>level: message</c>.</summary>
internal sealed class LogRecorder : Recorder<string>, ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Add($"{logLevel}: {formatter(state, exception)}");

    public Task<string> WaitForAsync(string text, CancellationToken cancellationToken) => WaitForAsync(l => l.Contains(text, StringComparison.Ordinal), cancellationToken);
}
