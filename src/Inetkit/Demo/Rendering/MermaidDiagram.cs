using System.Text;
using Inetkit.Tracing;

namespace Inetkit.Demo.Rendering;

/// <summary>
/// The exchange as a Mermaid <c>sequenceDiagram</c> (GitHub, GitLab and most course-note tools draw it): a note per
/// call on its side, with the seed's statement, and an arrow per message that crosses (a cross when it was lost).
/// </summary>
public static class MermaidDiagram
{
    /// <summary>The whole diagram, from the recorded events.</summary>
    public static string Render(DemoExample example, IEnumerable<DemoEvent> events)
    {
        var text = new StringBuilder();
        text.AppendLine("sequenceDiagram");
        text.AppendLine($"    title inetkit demo {Escape(example.Name)}");
        text.AppendLine($"    participant C as {Escape(example.Lanes.Client)}");
        text.AppendLine($"    participant S as {Escape(example.Lanes.Server)}");
        foreach (DemoEvent e in events)
        {
            string side = e.Lane == DemoLane.Client ? "C" : "S";
            if (e.Packet is { } packet)
            {
                // A packet is a dotted arrow (Mermaid's reply arrow), so the wire reads apart from the calls.
                text.AppendLine($"    {side}-->>{(side == "C" ? "S" : "C")}: {Escape(EventText.Packet(packet))}");
                continue;
            }
            string note = Escape(EventText.Of(e)) + (e.Seed is null ? "" : "<br/>" + Escape(e.Seed));
            text.AppendLine($"    Note over {side}: {note}");
            if (EventText.Crosses(e) && e.Call is { } call)
            {
                string other = side == "C" ? "S" : "C";
                bool lost = call.Impairment.HasFlag(Impairment.ImpairmentEffects.Lost);
                string fate = EventText.Fate(call) is { } f ? $" ({f})" : "";
                text.AppendLine($"    {side}{(lost ? "-x" : "->>")}{other}: {Escape(EventText.Bytes(call))}{Escape(fate)}");
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// Mermaid reads <c>;</c> and <c>#</c> as its own syntax and a line break as the end of a message: those, and
    /// the angle brackets that would be HTML, become Mermaid's entity codes.
    /// </summary>
    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            escaped.Append(c switch
            {
                '#' => "#35;",
                ';' => "#59;",
                '<' => "#lt;",
                '>' => "#gt;",
                '\r' or '\n' => " ",
                _ => c.ToString(),
            });
        }
        return escaped.ToString();
    }
}
