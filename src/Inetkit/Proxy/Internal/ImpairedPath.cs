using Inetkit.Impairment;

namespace Inetkit.Proxy.Internal;

/// <summary>
/// One direction of one UDP session, through the impairment in force: the spec is read again for each datagram,
/// so that a change applies from the next one on (the previous engine is retired, what it still held dropped and
/// counted). Used by one loop at a time.
/// </summary>
/// <remarks>
/// With nothing to impair, a datagram goes out through <paramref name="sendNow"/>, a plain synchronous send: the
/// relay's fast path, with no engine, no copy and no asynchronous state machine on the way.
/// </remarks>
internal sealed class ImpairedPath<TTarget>(
    Direction direction, Func<ImpairmentSpec> current, Func<ReadOnlyMemory<byte>, TTarget, ValueTask> send,
    Action<ReadOnlyMemory<byte>, TTarget> sendNow, bool noDuplication, InetProxyOptions options, ProxyCounters counters, Action<string>? trace)
{
    private ImpairmentSpec? _spec;
    private DatagramImpairer<TTarget>? _impairer;

    /// <summary>What the engine in force has done so far (its predecessors' counts are in the proxy's counters).</summary>
    public ImpairmentCounters Live => _impairer?.Counters ?? default;

    public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, TTarget target)
    {
        if (_impairer is null && ReferenceEquals(current(), _spec))
        {
            sendNow(datagram, target);
            return default;
        }
        return ChangeOrImpairAsync(datagram, target);
    }

    private async ValueTask ChangeOrImpairAsync(ReadOnlyMemory<byte> datagram, TTarget target)
    {
        ImpairmentSpec spec = current();
        if (!ReferenceEquals(spec, _spec))
        {
            await RetireAsync();
            _spec = spec;
            DatagramImpairment profile = spec.Datagrams(direction);
            if (noDuplication && profile.Duplicate > 0)
            {
                // Toward a client beyond loopback the proxy is never an amplifier: nobody gets more than the server sent.
                profile = profile with { Duplicate = 0 };
            }
            _impairer = profile.IsNone ? null : new DatagramImpairer<TTarget>(profile, spec.Seed ?? Random.Shared.Next(), options.TimeProvider, send, trace);
        }
        if (_impairer is null)
        {
            sendNow(datagram, target);
        }
        else
        {
            await _impairer.SubmitAsync(datagram, target);
        }
    }

    public async ValueTask RetireAsync()
    {
        if (_impairer is { } retired)
        {
            _impairer = null;
            await retired.DisposeAsync();
            counters.Add(retired.Counters);
        }
    }
}
