namespace Inetkit.Hosting.Internal;

/// <summary>
/// For <c>--once</c>: lets exactly one connection or datagram through, over every listener, and asks the server
/// to stop when it has been served. Without <c>--once</c> every claim succeeds and nothing stops.
/// </summary>
internal sealed class OnceGate(bool enabled, Action stop)
{
    private int _claimed;

    /// <summary>--once was given.</summary>
    public bool Enabled => enabled;

    public bool TryClaim() => !enabled || Interlocked.Exchange(ref _claimed, 1) == 0;

    public void Served()
    {
        if (enabled)
        {
            stop();
        }
    }
}
