using Inetkit.Impairment;

namespace Inetkit.Proxy.Internal;

/// <summary>
/// The impairment of one relayed TCP connection, following the proxy's as it changes: each new
/// <see cref="InetProxy.Impairment"/> is drawn once for the connection (toxiproxy draws <c>toxicity</c> per link each
/// time its toxics change) and both directions see the same draw. <see cref="Changed"/> is cancelled at every change,
/// so that a pump waiting on an idle connection wakes to apply it (a reset or a timeout toxic acts on idle ones too).
/// </summary>
internal sealed class ConnectionToxics(InetProxy proxy)
{
    private readonly Lock _lock = new();
    private ImpairmentSpec? _seen;
    private ImpairmentSpec _drawn = ImpairmentSpec.None;

    /// <summary>Cancelled when the proxy's impairment changes next. Read it before <see cref="Current"/>, never after.</summary>
    public CancellationToken Changed => proxy.ImpairmentChanged;

    /// <summary>This connection's draw of the impairment in force.</summary>
    public ImpairmentSpec Current()
    {
        ImpairmentSpec now = proxy.Impairment;
        lock (_lock)
        {
            if (!ReferenceEquals(now, _seen))
            {
                _seen = now;
                _drawn = proxy.ConnectionImpairment?.Invoke() ?? now;
            }
            return _drawn;
        }
    }
}
