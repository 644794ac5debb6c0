using System.Diagnostics;

namespace Inetkit.Cli;

/// <summary>A live "bytes, MB/s" line on stderr when stderr is a terminal; nothing otherwise. At most five updates a second.</summary>
internal sealed class ProgressLine(CliConsole console, string verb)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDrawn = -1;

    public Action<long>? Callback => console.ErrorIsTerminal ? Update : null;

    private void Update(long bytes)
    {
        long now = _clock.ElapsedMilliseconds;
        if (_lastDrawn >= 0 && now - _lastDrawn < 200)
        {
            return;
        }
        _lastDrawn = now;
        double rate = bytes / 1e6 / Math.Max(0.001, _clock.Elapsed.TotalSeconds);
        console.Error.Write($"\r{verb} {bytes:N0} bytes, {rate:N1} MB/s   ");
    }

    public void Clear()
    {
        if (console.ErrorIsTerminal && _lastDrawn >= 0)
        {
            console.Error.Write("\r\u001b[K");
        }
    }
}
