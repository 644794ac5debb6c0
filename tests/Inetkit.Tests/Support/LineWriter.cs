using System.Text;

namespace Inetkit.Tests.Support;

/// <summary>A TextWriter that keeps what was written and lets a test wait for a line: the CLI's own output is the event.</summary>
internal sealed class LineWriter : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly TraceRecorder _lines = new();
    private readonly Lock _lock = new();
    private readonly StringBuilder _current = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override string ToString()
    {
        lock (_lock)
        {
            return _text.ToString();
        }
    }

    public IReadOnlyList<string> Lines => _lines.Lines;

    public override void Write(char value)
    {
        string? line = null;
        lock (_lock)
        {
            _text.Append(value);
            if (value == '\n')
            {
                line = _current.ToString().TrimEnd('\r');
                _current.Clear();
            }
            else
            {
                _current.Append(value);
            }
        }
        if (line is not null)
        {
            _lines.Write(line);
        }
    }

    public Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken) => _lines.WaitForAsync(match, cancellationToken);
}
