namespace Inetkit.Tests.Support;

/// <summary>
/// One <see cref="Browser"/> for a test class (<c>IClassFixture&lt;SharedBrowser&gt;</c>), launched by the first test
/// that asks for it: starting Chromium costs seconds, a page little. Without Chromium each test skips.
/// </summary>
public sealed class SharedBrowser : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Browser? _browser;

    internal async Task<Browser> GetAsync()
    {
        Browser.RequireChromium();
        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            return _browser ??= await Browser.LaunchAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _gate.Dispose();
    }
}
