using Microsoft.Playwright;

namespace Inetkit.Tests.Support;

/// <summary>
/// Debian's Chromium (.ci/run installs it), headless, driven by Playwright's .NET package through the driver the
/// package ships: the executable is given, so Playwright neither looks for nor downloads a browser of its own.
/// Pages reach loopback only (see <see cref="BrowserPage"/>); names other than localhost resolve nowhere. And the
/// browser itself runs inside <see cref="LoopbackNamespace.Shared"/>, a network namespace whose only interface is lo,
/// so what Chromium does on its own (its IPv6 reachability probe, say) cannot leave the machine either: the
/// executable Playwright starts is a wrapper script that enters the namespace and execs Debian's chromium. The
/// servers its pages load from listen in the same namespace (<see cref="LoopbackSite"/>,
/// <see cref="LoopbackNamespace.Listen"/>, <see cref="LoopbackNamespace.Enter"/>).
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly string _directory;

    private Browser(IPlaywright playwright, IBrowser browser, string directory)
    {
        _playwright = playwright;
        _browser = browser;
        _directory = directory;
    }

    /// <summary>Skips the test when Debian's Chromium is not there, or the namespace it must run in cannot be made.</summary>
    public static void RequireChromium()
    {
        Assert.SkipUnless(File.Exists(Chromium), $"Debian's chromium is not installed at {Chromium} (.ci/run installs it)");
        LoopbackNamespace.Require();
    }

    public static async Task<Browser> LaunchAsync()
    {
        RequireChromium();
        LoopbackNamespace network = LoopbackNamespace.Shared;
        string directory = Directory.CreateTempSubdirectory("inetkit-chromium-").FullName;
        string wrapper = Path.Combine(directory, "chromium");
        IPlaywright? playwright = null;
        try
        {
            network.WriteWrapper(wrapper, Chromium);
            // The package's own driver (node and playwright-core, copied into the build output), started here. It
            // stays in this process's namespace and opens no socket: the browser does the pages' networking.
            playwright = await Playwright.CreateAsync().WaitAsync(TestTimeout.Bound, TestContext.Current.CancellationToken);
            IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                // Playwright drives it over --remote-debugging-pipe, two inherited descriptors, which the namespace does not touch.
                ExecutablePath = wrapper,
                Headless = true,
                // CI runs as root, where Chromium's sandbox cannot start: Playwright then passes --no-sandbox.
                ChromiumSandbox = false,
                Timeout = (float)TestTimeout.Bound.TotalMilliseconds,
                // A second guard behind BrowserPage's: no name but localhost resolves, so no lookup leaves the
                // machine. The rules apply to IP literals too, hence loopback's own.
                Args = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1 , EXCLUDE [::1]"],
            });
            return new Browser(playwright, browser, directory);
        }
        catch
        {
            playwright?.Dispose();
            Directory.Delete(directory, recursive: true);
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
        Directory.Delete(_directory, recursive: true);
    }
}
