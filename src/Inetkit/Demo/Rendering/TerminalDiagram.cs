using System.Globalization;
using Inetkit.Tracing;

namespace Inetkit.Demo.Rendering;

/// <summary>
/// The exchange as a sequence diagram in a terminal, one event at a time: a lane per side, each call on its side
/// with its result and, beneath it, the seed's statement; each message that crosses as an arrow labelled with its
/// bytes; the time since the start on the left. Colour only when asked (a terminal, no NO_COLOR).
/// </summary>
public sealed class TerminalDiagram
{
    private const int TimeWidth = 9;
    private readonly TextWriter _out;
    private readonly bool _colour;
    private readonly int _lane;
    private readonly DemoEvent?[] _waiting = new DemoEvent?[2];
    private readonly string?[] _drawnWaiting = new string?[2];

    /// <param name="output">Where the diagram goes.</param>
    /// <param name="width">The terminal's width in columns (at least 60).</param>
    /// <param name="colour">ANSI colours (a terminal without NO_COLOR).</param>
    public TerminalDiagram(TextWriter output, int width, bool colour)
    {
        _out = output;
        _colour = colour;
        _lane = Math.Max(24, (Math.Max(60, width) - TimeWidth - 3) / 2);
    }

    /// <summary>The header: the example's name and the two lanes' labels.</summary>
    public void Begin(DemoExample example, string? detail = null)
    {
        _out.WriteLine(Paint($"inetkit demo {example.Name}: {example.Summary}", "1"));
        if (detail is not null)
        {
            _out.WriteLine(detail);
        }
        _out.WriteLine();
        _out.WriteLine($"{"ms",TimeWidth}  {Fit(example.Lanes.Client, _lane)} │ {Fit(example.Lanes.Server, _lane)}");
        _out.WriteLine($"{"",TimeWidth}  {new string('─', _lane)} ┼ {new string('─', _lane)}");
    }

    /// <summary>
    /// One event: its line, the seed's statement under it, and its arrow if it sends. A call that waits is drawn as
    /// waiting only when something happens before it returns (the server's recvfrom while the client sets up); one
    /// that returns at once is drawn once, returned.
    /// </summary>
    public void Write(DemoEvent e)
    {
        if (e.Packet is { } packet)
        {
            Flush();
            Wire(e.Lane, packet);
            return;
        }
        if (e.Call is { Kind: TraceKind.Waiting })
        {
            Flush();
            _waiting[(int)e.Lane] = e;
            return;
        }
        if (_waiting[(int)e.Lane] is { } pending && pending.Call!.Name == e.Call?.Name)
        {
            // It returned before anything else happened: drawn once, returned.
            _waiting[(int)e.Lane] = null;
        }
        else
        {
            Flush();
        }
        // The return of a call drawn as waiting has its seed statement on the waiting line already.
        bool seed = e.Call is null || _drawnWaiting[(int)e.Lane] != e.Call.Name;
        _drawnWaiting[(int)e.Lane] = null;
        Draw(e, seed);
    }

    /// <summary>Draws what is left waiting: the exchange is over, or has failed.</summary>
    public void End() => Flush();

    /// <summary>Draws the calls still waiting (something else happened meanwhile); true if there were any.</summary>
    private bool Flush()
    {
        bool any = false;
        for (int lane = 0; lane < _waiting.Length; lane++)
        {
            if (_waiting[lane] is { } pending)
            {
                _waiting[lane] = null;
                Draw(pending, seed: true);
                _drawnWaiting[lane] = pending.Call!.Name;
                any = true;
            }
        }
        return any;
    }

    private void Draw(DemoEvent e, bool seed)
    {
        string time = e.At.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture);
        string text = EventText.Of(e);
        string style = e.Call switch { null => "36", { Failed: true } => "31", { Kind: TraceKind.Waiting } => "33", { Kind: TraceKind.Note } => "2", _ => "" };
        Line(time, e.Lane, text, style);
        if (e.Seed is not null && seed)
        {
            Line("", e.Lane, "  " + e.Seed, "2");
        }
        if (EventText.Crosses(e) && e.Call is { } call)
        {
            Arrow(e.Lane, call);
        }
    }

    private void Line(string time, DemoLane lane, string text, string style)
    {
        string painted = Paint(Fit(text, _lane), style);
        string left = lane == DemoLane.Client ? painted : new string(' ', _lane);
        string right = lane == DemoLane.Server ? painted : "";
        _out.WriteLine($"{time,TimeWidth}  {left} │ {right}".TrimEnd());
    }

    private void Arrow(DemoLane from, TraceEvent call)
    {
        string fate = EventText.Fate(call) is { } f ? $" {f}" : "";
        bool lost = call.Impairment.HasFlag(Impairment.ImpairmentEffects.Lost);
        string label = $" {EventText.Bytes(call, _lane - 12)}{fate} ";
        int span = 2 * _lane + 3;
        int dashes = Math.Max(2, span - label.Length - 2);
        string line = from == DemoLane.Client
            ? $"──{label}{new string('─', dashes - 1)}{(lost ? "✕" : "▶")}"
            : $"{(lost ? "✕" : "◀")}{new string('─', dashes - 1)}{label}──";
        _out.WriteLine($"{"",TimeWidth}  {Paint(Fit(line, span), lost ? "31" : "32")}");
    }

    /// <summary>A packet beneath the calls: a dotted line between the lanes, toward the side that receives it.</summary>
    private void Wire(DemoLane from, Demo.Wire.WirePacket packet)
    {
        string label = $" {EventText.Packet(packet)} ";
        int span = 2 * _lane + 3;
        int dots = Math.Max(2, span - label.Length - 2);
        string line = from == DemoLane.Client ? $"┄┄{label}{new string('┄', dots - 1)}›" : $"‹{new string('┄', dots - 1)}{label}┄┄";
        _out.WriteLine($"{"wire",TimeWidth}  {Paint(Fit(line, span), "2")}".TrimEnd());
    }

    private string Paint(string text, string style) => _colour && style.Length > 0 ? $"\u001b[{style}m{text}\u001b[0m" : text;

    private static string Fit(string text, int width) => text.Length <= width ? text.PadRight(width) : text[..(width - 1)] + "…";
}
