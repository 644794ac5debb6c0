namespace Inetkit.Tracing;

/// <summary>
/// Where a component's trace goes: lines of text (<c>--trace</c>), structured events (a demo), or both. Null when
/// neither is wanted, so that a disabled trace costs one null check per call site.
/// </summary>
internal sealed class TraceSink
{
    /// <summary>How many bytes of a call's data an event keeps: enough for every exchange a demo draws.</summary>
    public const int DataLimit = 4096;

    private readonly Action<string>? _text;
    private readonly Action<TraceEvent>? _events;

    private TraceSink(Action<string>? text, Action<TraceEvent>? events, TimeProvider clock)
    {
        _text = text;
        _events = events;
        Clock = clock;
    }

    public TimeProvider Clock { get; }

    public bool WantsEvents => _events is not null;

    public static TraceSink? Create(Action<string>? text, Action<TraceEvent>? events, TimeProvider? clock = null) =>
        text is null && events is null ? null : new TraceSink(text, events, clock ?? TimeProvider.System);

    public void Write(TraceEvent e)
    {
        _events?.Invoke(e);
        // The text trace tells what was done, not what is awaited: a waiting call shows once, when it returns.
        if (_text is not null && e.Kind != TraceKind.Waiting)
        {
            _text($"[{e.Side}] {e.Text}");
        }
    }
}
