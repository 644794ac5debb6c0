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

    public void Write(TraceEvent e, TraceTo to = TraceTo.Both)
    {
        if ((to & TraceTo.Events) != 0)
        {
            _events?.Invoke(e);
        }
        // The text trace tells what was done, not what is awaited: a waiting call shows once, when it returns.
        if (_text is not null && (to & TraceTo.Text) != 0 && e.Kind != TraceKind.Waiting)
        {
            _text($"[{e.Side}] {e.Text}");
        }
    }
}

/// <summary>
/// Which renderings a call goes to. A call that ends something the peer sees (a close's FIN) is an event before the
/// system call, so that the peer's reaction never comes first in a diagram, and a line of text after what the text
/// promises (that the slot is free again).
/// </summary>
[Flags]
internal enum TraceTo
{
    Text = 1,
    Events = 2,
    Both = Text | Events,
}
