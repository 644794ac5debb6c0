using System.Text.Json;
using Inetkit.Tracing;

namespace Inetkit.Demo.Rendering;

/// <summary>
/// The events themselves, for teachers who build their own material: one JSON object per event (time, side, call,
/// arguments, result, bytes, the seed's statement, what was printed), the same that the web page draws.
/// </summary>
public static class DemoJson
{
    /// <summary>One event as one JSON object.</summary>
    public static void Write(Utf8JsonWriter json, DemoEvent e)
    {
        json.WriteStartObject();
        json.WriteNumber("seq", e.Sequence);
        json.WriteNumber("t_ms", Math.Round(e.At.TotalMilliseconds, 3));
        json.WriteString("lane", e.Lane == DemoLane.Client ? "client" : "server");
        if (e.Packet is { } p)
        {
            json.WriteString("kind", "packet");
            json.WriteString("protocol", p.Protocol.ToString().ToLowerInvariant());
            json.WriteString("from", p.Source.ToString());
            json.WriteString("to", p.Destination.ToString());
            if (p.Protocol == Wire.WireProtocol.Tcp)
            {
                json.WriteString("flags", p.Flags);
                json.WriteNumber("tcp_seq", p.RelativeSeq);
                json.WriteNumber("tcp_ack", p.RelativeAck);
            }
            json.WriteNumber("length", p.PayloadLength);
            json.WriteString("summary", EventText.Packet(p));
        }
        else if (e.Call is { } c)
        {
            json.WriteString("kind", c.Kind switch { TraceKind.Waiting => "waiting", TraceKind.Note => "note", _ => "call" });
            json.WriteString("side", c.Side);
            json.WriteString("call", c.Name);
            json.WriteString("arguments", c.Arguments);
            if (c.Result is not null)
            {
                json.WriteString("result", c.Result);
            }
            json.WriteBoolean("failed", c.Failed);
            if (c.Length > 0)
            {
                json.WriteNumber("bytes", c.Length);
                json.WriteString("data", EventText.Printable(c.Data.Span));
                json.WriteBase64String("data_base64", c.Data.Span);
            }
            if (c.Peer is not null)
            {
                json.WriteString("peer", c.Peer.ToString());
            }
            if (c.Local is not null)
            {
                json.WriteString("local", c.Local.ToString());
            }
            if (c.Comment is not null)
            {
                json.WriteString("comment", c.Comment);
            }
            if (EventText.Fate(c) is { } fate)
            {
                json.WriteString("impairment", fate);
            }
            json.WriteBoolean("sends", EventText.Crosses(e));
            json.WriteBoolean("lost", c.Impairment.HasFlag(Impairment.ImpairmentEffects.Lost));
            json.WriteString("text", c.Text);
        }
        else
        {
            json.WriteString("kind", "printed");
            json.WriteString("text", e.Printed);
        }
        if (e.Seed is not null)
        {
            json.WriteString("seed", e.Seed);
        }
        json.WriteEndObject();
    }

    /// <summary>The whole exchange: the example, its lanes, and its events.</summary>
    public static void Write(Utf8JsonWriter json, DemoExample example, IEnumerable<DemoEvent> events)
    {
        json.WriteStartObject();
        json.WriteString("example", example.Name);
        json.WriteString("summary", example.Summary);
        json.WriteStartObject("lanes");
        json.WriteString("client", example.Lanes.Client);
        json.WriteString("server", example.Lanes.Server);
        json.WriteEndObject();
        json.WriteStartArray("events");
        foreach (DemoEvent e in events)
        {
            Write(json, e);
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
