namespace Inetkit.Tests.Support;

/// <summary>Every network test runs under this: the test's own token, cut off after a generous bound so a hang fails instead of stalling CI.</summary>
internal static class TestTimeout
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static CancellationTokenSource Create() => Create(Bound);

    /// <summary>A longer bound, for the few tests that move a lot of work (floods).</summary>
    public static CancellationTokenSource Create(TimeSpan bound)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(bound);
        return cts;
    }
}
