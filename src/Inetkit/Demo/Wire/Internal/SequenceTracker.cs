using System.Net;

namespace Inetkit.Demo.Wire.Internal;

/// <summary>
/// Makes TCP numbers relative as Wireshark shows them: per direction of a connection, from its initial sequence
/// number (the SYN's), or from the first number seen when the SYN was not; windows scaled once both SYNs have agreed
/// a scale (RFC 7323: it applies only when both sent the option, and never to the SYNs themselves).
/// </summary>
internal sealed class SequenceTracker
{
    private readonly Dictionary<(IPEndPoint From, IPEndPoint To), Direction> _directions = [];

    public (uint Seq, uint Ack, int Window) Relate(IPEndPoint source, IPEndPoint destination, TcpHeader tcp)
    {
        bool syn = (tcp.Flags & TcpFlagNames.Syn) != 0;
        bool ack = (tcp.Flags & TcpFlagNames.Ack) != 0;
        var forward = (source, destination);
        var backward = (destination, source);
        if (syn)
        {
            bool retransmitted = _directions.TryGetValue(forward, out Direction? known) && known.Initial == tcp.Sequence && known.SawSyn;
            if (!retransmitted)
            {
                _directions[forward] = new Direction(tcp.Sequence, SawSyn: true, tcp.WindowScale);
                if (!ack)
                {
                    // A new connection on a 4-tuple used before: the old answer's numbers no longer apply.
                    _directions.Remove(backward);
                }
            }
        }
        Direction from = Known(forward, tcp.Sequence);
        uint relativeAck = 0;
        Direction? to = null;
        if (ack)
        {
            to = Known(backward, tcp.Acknowledgment);
            relativeAck = unchecked(tcp.Acknowledgment - to.Initial);
        }
        else
        {
            _directions.TryGetValue(backward, out to);
        }
        int window = tcp.Window;
        if (!syn && from.Scale is int scale && to?.Scale is not null)
        {
            window <<= scale;
        }
        return (unchecked(tcp.Sequence - from.Initial), relativeAck, window);
    }

    private Direction Known((IPEndPoint, IPEndPoint) key, uint firstSeen)
    {
        if (!_directions.TryGetValue(key, out Direction? direction))
        {
            direction = new Direction(firstSeen, SawSyn: false, Scale: null);
            _directions[key] = direction;
        }
        return direction;
    }

    private sealed record Direction(uint Initial, bool SawSyn, int? Scale);
}
