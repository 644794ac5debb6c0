namespace Inetkit.Tests.Support;

/// <summary>Every network test runs under this: the test's own token, cut off after a generous bound so a hang fails instead of stalling CI.</summary>
internal static class TestTimeout
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static CancellationTokenSource Create()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(Bound);
        return cts;
    }
}
