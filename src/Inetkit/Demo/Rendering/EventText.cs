using System.Text;
using Inetkit.Tracing;

namespace Inetkit.Demo.Rendering;

/// <summary>How each view writes an event's parts: the call as the trace does, the bytes as a short label.</summary>
internal static class EventText
{
    /// <summary>The call as <c>--trace</c> writes it; a waiting call with "waiting"; a printed line after "»".</summary>
    public static string Of(DemoEvent e) => e.Call switch
    {
        null when e.Packet is { } packet => Packet(packet),
        null => $"» {e.Printed}",
        { Kind: TraceKind.Waiting } c => $"{c.Name}({c.Arguments}) … waiting",
        { } c => c.Text,
    };

    /// <summary>A packet in the words of a capture: <c>TCP [SYN] seq=0 ack=0 len=0</c>, <c>UDP 11 bytes</c>, <c>ICMP port unreachable</c>.</summary>
    public static string Packet(Wire.WirePacket p) => p.Protocol switch
    {
        Wire.WireProtocol.Tcp => $"TCP [{p.Flags}] seq={p.RelativeSeq}{(p.HasAck ? $" ack={p.RelativeAck}" : "")} len={p.PayloadLength}",
        Wire.WireProtocol.Udp => $"UDP {p.PayloadLength} bytes",
        _ when p.IsPortUnreachable => $"{(p.Protocol == Wire.WireProtocol.Icmp ? "ICMP" : "ICMPv6")} port unreachable (for {p.QuotedProtocol?.ToString().ToUpperInvariant()} {p.QuotedDestination})",
        _ => $"{p.Protocol.ToString().ToUpperInvariant()} type {p.IcmpType} code {p.IcmpCode}",
    };

    /// <summary>The bytes of a send, as a label: printable text quoted, cut when long, and the count.</summary>
    public static string Bytes(TraceEvent call, int room = 32)
    {
        string text = Printable(call.Data.Span);
        if (text.Length > room)
        {
            text = text[..Math.Max(1, room - 1)] + "…";
        }
        return $"'{text}' ({call.Length} bytes)";
    }

    /// <summary>Printable ASCII as it is, \r \n \t as escapes, anything else as a dot.</summary>
    public static string Printable(ReadOnlySpan<byte> data)
    {
        var text = new StringBuilder(data.Length);
        foreach (byte b in data)
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                >= 0x20 and < 0x7F => ((char)b).ToString(),
                _ => ".",
            });
        }
        return text.ToString();
    }

    /// <summary>What the impairment did to a send, in words: "lost", "duplicated", "held back"...</summary>
    public static string? Fate(TraceEvent call)
    {
        Impairment.ImpairmentEffects effects = call.Impairment;
        if (effects == Impairment.ImpairmentEffects.None)
        {
            return null;
        }
        var words = new List<string>();
        if (effects.HasFlag(Impairment.ImpairmentEffects.Lost)) words.Add("lost");
        if (effects.HasFlag(Impairment.ImpairmentEffects.Duplicated)) words.Add("duplicated");
        if (effects.HasFlag(Impairment.ImpairmentEffects.Reordered)) words.Add("held back");
        if (effects.HasFlag(Impairment.ImpairmentEffects.Delayed)) words.Add("delayed");
        if (effects.HasFlag(Impairment.ImpairmentEffects.Corrupted)) words.Add("corrupted");
        if (effects.HasFlag(Impairment.ImpairmentEffects.RateDropped)) words.Add("dropped by the rate");
        return string.Join(", ", words);
    }

    /// <summary>
    /// A send drawn as an arrow to the other lane. The impairment's decision for a reply is told as a sendto of its own,
    /// before the copies that really go: that one crosses only when it is lost (the copies draw themselves).
    /// </summary>
    public static bool Crosses(DemoEvent e) =>
        e.Sends && e.Call is { } call && (call.Impairment == Impairment.ImpairmentEffects.None || call.Impairment.HasFlag(Impairment.ImpairmentEffects.Lost));
}
