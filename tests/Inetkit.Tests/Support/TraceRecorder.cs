using System.Collections.Concurrent;

namespace Inetkit.Tests.Support;

/// <summary>
/// Collects a server's trace lines and lets a test wait for one: the server's own narration is the event a test
/// synchronises on, never a sleep.
/// </summary>
internal sealed class TraceRecorder
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public void Write(string line)
    {
        _lines.Enqueue(line);
        lock (_lock)
        {
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Done.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Completes with the first line (already seen or yet to come) that contains <paramref name="text"/>.</summary>
    public Task<string> WaitForAsync(string text, CancellationToken cancellationToken) => WaitForAsync(l => l.Contains(text, StringComparison.Ordinal), cancellationToken);

    public Task<string> WaitForAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            string? seen = _lines.FirstOrDefault(match);
            if (seen is not null)
            {
                return Task.FromResult(seen);
            }
            var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }
}
