namespace Inetkit.Tests.Support;

/// <summary>Waiting for a state that nothing announces (a count the server keeps): looked at every 20 ms until true or cancelled.</summary>
internal static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(20, cancellationToken);
        }
    }
}
