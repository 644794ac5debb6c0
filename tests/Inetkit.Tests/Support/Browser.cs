using Microsoft.Playwright;

namespace Inetkit.Tests.Support;

/// <summary>
/// Debian's Chromium (.ci/run installs it), headless, driven by Playwright's .NET package through the driver the
/// package ships: the executable is given, so Playwright neither looks for nor downloads a browser of its own.
/// Pages reach loopback only (see <see cref="BrowserPage"/>); names other than localhost resolve nowhere.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    /// <summary>Skips the test when Debian's Chromium is not there.</summary>
    public static void RequireChromium() =>
        Assert.SkipUnless(File.Exists(Chromium), $"Debian's chromium is not installed at {Chromium} (.ci/run installs it)");

    public static async Task<Browser> LaunchAsync()
    {
        RequireChromium();
        // The package's own driver (node and playwright-core, copied into the build output), started here.
        IPlaywright playwright = await Playwright.CreateAsync().WaitAsync(TestTimeout.Bound, TestContext.Current.CancellationToken);
        try
        {
            IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                // CI runs as root, where Chromium's sandbox cannot start: Playwright then passes --no-sandbox.
                ChromiumSandbox = false,
                Timeout = (float)TestTimeout.Bound.TotalMilliseconds,
                // A second guard behind BrowserPage's: no name but localhost resolves, so no lookup leaves the
                // machine. The rules apply to IP literals too, hence loopback's own.
                Args = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1 , EXCLUDE [::1]"],
            });
            return new Browser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A new page, in a context of its own (no cookies or storage shared with other pages), on about:blank.</summary>
    public async Task<BrowserPage> NewPageAsync()
    {
        IBrowserContext context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            ServiceWorkers = ServiceWorkerPolicy.Block,
            ViewportSize = new ViewportSize { Width = 1024, Height = 768 },
        });
        try
        {
            return await BrowserPage.CreateAsync(context);
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new page that has loaded <paramref name="url"/>.</summary>
    public async Task<BrowserPage> OpenAsync(Uri url)
    {
        BrowserPage page = await NewPageAsync();
        try
        {
            await page.GoToAsync(url);
            return page;
        }
        catch
        {
            await page.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
