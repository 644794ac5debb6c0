using Inetkit.Impairment;

namespace Inetkit.Proxy.Internal;

/// <summary>
/// One direction of one UDP session, through the impairment in force: the spec is read again for each datagram,
/// so that a change applies from the next one on (the previous engine is retired, what it still held dropped and
/// counted). Used by one loop at a time.
/// </summary>
internal sealed class ImpairedPath<TTarget>(
    Direction direction, Func<ImpairmentSpec> current, Func<ReadOnlyMemory<byte>, TTarget, ValueTask> send,
    bool noDuplication, InetProxyOptions options, ProxyCounters counters, Action<string>? trace)
{
    private ImpairmentSpec? _spec;
    private DatagramImpairer<TTarget>? _impairer;

    /// <summary>What the engine in force has done so far (its predecessors' counts are in the proxy's counters).</summary>
    public ImpairmentCounters Live => _impairer?.Counters ?? default;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> datagram, TTarget target)
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
            await send(datagram, target);
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
