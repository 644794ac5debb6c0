namespace Inetkit.Tests.Support;

/// <summary>
/// One <see cref="Browser"/> for a test class (<c>IClassFixture&lt;SharedBrowser&gt;</c>), and one page of it with
/// <see cref="Mermaid"/> loaded, each made by the first test that asks for it: starting Chromium and loading
/// Mermaid's bundle cost seconds, a page or a render little. Without Chromium (or mermaid) each test skips.
/// </summary>
public sealed class SharedBrowser : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Browser? _browser;
    private Mermaid? _mermaid;

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

    internal async Task<Mermaid> GetMermaidAsync()
    {
        Mermaid.RequireMermaid();
        Browser browser = await GetAsync();
        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            return _mermaid ??= await Mermaid.LoadAsync(browser);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_mermaid is not null)
        {
            await _mermaid.DisposeAsync();
        }
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _gate.Dispose();
    }
}
