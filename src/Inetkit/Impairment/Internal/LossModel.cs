namespace Inetkit.Impairment.Internal;

/// <summary>
/// Which datagrams are lost: independently with probability <c>loss</c>, or with a mean burst length, netem's
/// Gilbert-Elliott model reduced to two states (every datagram lost in the bad state, none in the good). The state
/// moves good to bad with p = loss·r/(1-loss) and bad to good with r = 1/burst, so bursts average <c>burst</c>
/// datagrams and the long-run loss rate, p/(p+r), is still <c>loss</c>. It starts good. One uniform draw per
/// datagram decides both the loss and, as netem does, the move after it: a datagram is lost when the state it finds
/// is bad.
/// </summary>
internal sealed class LossModel(double loss, double? burst)
{
    private readonly double _enter = burst is { } b && loss < 1 ? Math.Min(1, loss * (1 / b) / (1 - loss)) : 1;
    private readonly double _leave = burst is { } b2 ? 1 / b2 : 0;
    private bool _bad;

    /// <summary>True when the datagram whose draw is <paramref name="u"/> (uniform in [0, 1)) is lost.</summary>
    public bool Next(double u)
    {
        if (burst is null || loss is 0 or >= 1)
        {
            return u < loss;
        }
        bool lost = _bad;
        _bad = _bad ? u >= _leave : u < _enter;
        return lost;
    }
}
