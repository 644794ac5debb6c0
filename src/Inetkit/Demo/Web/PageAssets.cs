namespace Inetkit.Demo.Web;

/// <summary>The page's files, embedded in this assembly (Demo/Web/Page): nothing is fetched from anywhere else.</summary>
internal static class PageAssets
{
    /// <summary>By path: the content type and the bytes.</summary>
    public static IReadOnlyDictionary<string, (string ContentType, byte[] Body)> All { get; } = new Dictionary<string, (string, byte[])>
    {
        ["/"] = ("text/html; charset=utf-8", Read("index.html")),
        ["/demo.js"] = ("text/javascript; charset=utf-8", Read("demo.js")),
        ["/demo.css"] = ("text/css; charset=utf-8", Read("demo.css")),
    };

    private static byte[] Read(string name)
    {
        string resource = $"Inetkit.Demo.Web.Page.{name}";
        using Stream stream = typeof(PageAssets).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the page's {name} is not embedded ({resource}); see Inetkit.csproj");
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.ToArray();
    }
}
