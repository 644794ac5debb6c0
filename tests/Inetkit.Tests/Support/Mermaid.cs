using System.Text.Json;

namespace Inetkit.Tests.Support;

/// <summary>
/// The real Mermaid library, npm's <c>mermaid</c> (.ci/run installs it into /opt/inetkit-peers/npm), in a page of
/// <see cref="Browser"/>: a file:// page whose one script is the library's self-contained bundle, read from the local
/// file, so the page requests nothing beyond the machine. A diagram is checked the way Mermaid's own users see it:
/// <c>mermaid.parse</c>, then <c>mermaid.render</c>. Loading the bundle takes a second or two; rendering, little.
/// </summary>
internal sealed class Mermaid : IAsyncDisposable
{
    public const string Bundle = Inetd.Root + "/npm/node_modules/mermaid/dist/mermaid.min.js";

    // One call per diagram; either error lands in the result rather than in an exception, so a test can show it.
    private const string Render = """
        async ([id, text]) => {
          try {
            const parsed = await mermaid.parse(text);
            const { svg } = await mermaid.render(id, text);
            return JSON.stringify({ diagramType: parsed.diagramType, svg, error: null });
          } catch (e) {
            return JSON.stringify({ diagramType: null, svg: null, error: String((e && e.message) || e) });
          }
        }
        """;

    private readonly BrowserPage _page;
    private readonly string _directory;
    private int _renders;

    private Mermaid(BrowserPage page, string directory)
    {
        _page = page;
        _directory = directory;
    }

    /// <summary>Skips the test when Chromium or npm's mermaid is not there.</summary>
    public static void RequireMermaid()
    {
        Browser.RequireChromium();
        Assert.SkipUnless(File.Exists(Bundle), $"npm's mermaid is not installed at {Bundle} (.ci/run installs it)");
    }

    public static async Task<Mermaid> LoadAsync(Browser browser)
    {
        RequireMermaid();
        string directory = Directory.CreateTempSubdirectory("inetkit-mermaid-").FullName;
        string html = Path.Combine(directory, "mermaid.html");
        await File.WriteAllTextAsync(html, $"""<!doctype html><meta charset="utf-8"><body><script src="{new Uri(Bundle)}"></script></body>""", TestContext.Current.CancellationToken);
        BrowserPage? page = null;
        try
        {
            page = await browser.OpenAsync(new Uri(html));
            Assert.True(await page.EvaluateAsync<bool>("() => typeof mermaid === 'object'"), $"{Bundle} did not define mermaid; its errors: [{string.Join("; ", page.Errors)}]");
            // startOnLoad off: only what RenderAsync hands it is drawn; strict: the default, as a page would keep it.
            await page.EvaluateAsync<object?>("() => { mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }); }");
            return new Mermaid(page, directory);
        }
        catch
        {
            if (page is not null)
            {
                await page.DisposeAsync();
            }
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>The SVG Mermaid draws for <paramref name="diagramText"/>, or the message of the error it raises parsing or rendering it.</summary>
    public async Task<MermaidResult> RenderAsync(string diagramText)
    {
        string id = $"inetkit-diagram-{Interlocked.Increment(ref _renders)}";
        string json = await _page.EvaluateAsync<string>(Render, new[] { id, diagramText });
        using JsonDocument result = JsonDocument.Parse(json);
        JsonElement root = result.RootElement;
        return new MermaidResult(root.GetProperty("diagramType").GetString(), root.GetProperty("svg").GetString(), root.GetProperty("error").GetString());
    }

    public async ValueTask DisposeAsync()
    {
        await _page.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>What Mermaid made of a diagram: its type and SVG, or its error message (then the other two are null).</summary>
internal sealed record MermaidResult(string? DiagramType, string? Svg, string? Error)
{
    public bool Rendered => Svg is not null;
}
