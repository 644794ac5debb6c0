using System.Collections.Concurrent;
using System.Net;
using Microsoft.Playwright;

namespace Inetkit.Tests.Support;

/// <summary>
/// One page of <see cref="Browser"/>. Every request and WebSocket it opens is checked before it leaves: loopback
/// goes through, anything else is refused and listed in <see cref="Refused"/>. Waits are bounded and, when they run
/// out, say what they waited for and what the page showed.
/// </summary>
internal sealed class BrowserPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly IPage _page;
    private readonly ConcurrentQueue<string> _refused = new();
    private readonly ConcurrentQueue<string> _errors = new();

    private BrowserPage(IBrowserContext context, IPage page)
    {
        _context = context;
        _page = page;
        page.PageError += (_, error) => _errors.Enqueue(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _errors.Enqueue(message.Text);
            }
        };
    }

    /// <summary>What the page asked for beyond loopback, refused before it left the browser.</summary>
    public IReadOnlyList<string> Refused => [.. _refused];

    /// <summary>The page's uncaught exceptions and console errors, in order.</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    public static async Task<BrowserPage> CreateAsync(IBrowserContext context)
    {
        context.SetDefaultTimeout((float)TestTimeout.Bound.TotalMilliseconds);
        IPage page = await context.NewPageAsync();
        var browserPage = new BrowserPage(context, page);
        await context.RouteAsync("**/*", async route =>
        {
            if (IsLocal(route.Request.Url))
            {
                await route.ContinueAsync();
                return;
            }
            browserPage._refused.Enqueue(route.Request.Url);
            await route.AbortAsync("blockedbyclient");
        });
        await context.RouteWebSocketAsync("**/*", async socket =>
        {
            if (IsLocal(socket.Url))
            {
                socket.ConnectToServer();
                return;
            }
            browserPage._refused.Enqueue(socket.Url);
            await socket.CloseAsync();
        });
        return browserPage;
    }

    public async Task GoToAsync(Uri url)
    {
        IResponse? response = await _page.GotoAsync(url.ToString());
        Assert.True(response is null || response.Ok, $"{url} answered {response?.Status} {response?.StatusText}");
    }

    /// <summary>
    /// Runs <paramref name="script"/> (an expression, or a function given <paramref name="arg"/>) in the page and
    /// awaits a promise it returns, for at most <see cref="TestTimeout.Bound"/>: Playwright bounds no evaluation.
    /// </summary>
    public async Task<T> EvaluateAsync<T>(string script, object? arg = null)
    {
        try
        {
            return await _page.EvaluateAsync<T>(script, arg).WaitAsync(TestTimeout.Bound, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the page did not settle `{Truncate(script)}` within {TestTimeout.Bound.TotalSeconds:0.#} s; its errors: [{string.Join("; ", Errors)}]");
            throw;
        }
    }

    /// <summary>
    /// Returns once <paramref name="condition"/> (a script expression) is truthy in the page; fails after
    /// <paramref name="timeout"/> (default <see cref="TestTimeout.Bound"/>). The expression is part of the function
    /// Playwright sends, checked at each frame, rather than given to Playwright's waitForFunction: that one evals the
    /// text in the page, which a page's Content-Security-Policy forbids (the demo's does). A navigation meanwhile fails it.
    /// </summary>
    public async Task WaitForAsync(string condition, TimeSpan? timeout = null)
    {
        TimeSpan bound = timeout ?? TestTimeout.Bound;
        string wait = $$"""
            ms => new Promise(done => {
              const until = performance.now() + ms;
              const check = () => {
                let met = false;
                try { met = !!({{condition}}); } catch (e) { }
                if (met || performance.now() > until) done(met); else requestAnimationFrame(check);
              };
              check();
            })
            """;
        // The page's own bound ends the wait; this one only guards against a page that stops answering at all.
        if (!await _page.EvaluateAsync<bool>(wait, bound.TotalMilliseconds).WaitAsync(bound + TestTimeout.Bound, TestContext.Current.CancellationToken))
        {
            string body = await _page.EvaluateAsync<string>("() => document.body ? document.body.innerText : '(no body)'");
            Assert.Fail($"waited {bound.TotalSeconds:0.#} s for `{condition}` on {_page.Url}; it stayed false. The page reads: \"{Truncate(body)}\"; its errors: [{string.Join("; ", Errors)}]; refused: [{string.Join(", ", Refused)}]");
        }
    }

    /// <summary>Clicks what <paramref name="selector"/> finds, as a user would (it must be visible and enabled).</summary>
    public Task ClickAsync(string selector) => _page.ClickAsync(selector);

    /// <summary>Picks the option of that value in the select <paramref name="selector"/> finds (its change event fires).</summary>
    public Task SelectAsync(string selector, string value) => _page.SelectOptionAsync(selector, value);

    /// <summary>Types <paramref name="text"/> into the input <paramref name="selector"/> finds, in place of what it held.</summary>
    public Task FillAsync(string selector, string text) => _page.FillAsync(selector, text);

    /// <summary>A PNG of the whole page at <paramref name="path"/> (directories made as needed).</summary>
    public Task ScreenshotAsync(string path) => _page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true, Type = ScreenshotType.Png });

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();

    /// <summary>Loopback, or a URL that names no host at all (data:, blob:, about:, file:).</summary>
    private static bool IsLocal(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri))
        {
            return false;
        }
        if (uri.Scheme is "data" or "blob" or "about" or "file")
        {
            return uri.Scheme != "file" || uri.IsLoopback;
        }
        return uri.Host == "localhost" || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500] + "…";
}
