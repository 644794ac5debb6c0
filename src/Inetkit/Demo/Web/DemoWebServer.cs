using System.Net;
using Inetkit.Hosting.Internal;
using System.Text.Json;
using Inetkit.Scanning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Inetkit.Demo.Web;

/// <summary>
/// <c>inetkit demo --web</c>: one page, on loopback, that draws an example's exchange as SVG while it runs. Kestrel
/// serves it (ASP.NET Core's minimal host: a kept HTTP stack, handlers on <see cref="RequestDelegate"/>, no
/// reflection, so the tool stays AOT-compilable). <c>GET /</c> is the page (its script and style are embedded in
/// this assembly), <c>GET /examples</c> the catalogue, <c>GET /run?example=NAME</c> one run as Server-Sent Events
/// (see <see cref="EventStream"/>, <see cref="RunRequest"/>). A run opens loopback sockets only: the examples' own,
/// never a server of the user's (<c>--server</c> is not offered here).
/// </summary>
public sealed class DemoWebServer : IAsyncDisposable
{
    private const string Policy = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();

    private DemoWebServer(WebApplication app) => _app = app;

    /// <summary>Where the page is served (the port bound, when 0 was asked for).</summary>
    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Url => new($"http://{EndPoint}/");

    /// <summary>Serves the page on <paramref name="listen"/>, which must be a loopback address (port 0: the kernel picks).</summary>
    /// <exception cref="ArgumentException"><paramref name="listen"/> is not loopback.</exception>
    /// <exception cref="IOException">The address cannot be bound (Kestrel's message says why).</exception>
    public static async Task<DemoWebServer> StartAsync(IPEndPoint listen, DemoWebOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(listen);
        if (!ScanScope.IsLoopback(listen.Address))
        {
            throw new ArgumentException($"{listen}: the demo's page is served on loopback only (127.0.0.1 or ::1)", nameof(listen));
        }
        WebApplication app = MinimalKestrel.Build("inetkit-demo-web", listen, options?.ConfigureHost);
        var server = new DemoWebServer(app);
        server.Map();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            server._stopping.Dispose();
            throw;
        }
        server.EndPoint = MinimalKestrel.BoundEndPoint(app);
        return server;
    }

    private void Map()
    {
        _app.Use(async (context, next) =>
        {
            // A page elsewhere whose name is made to resolve to 127.0.0.1 (DNS rebinding) is not answered.
            if (!IsLoopbackHost(context.Request.Host))
            {
                await Text(context, StatusCodes.Status400BadRequest, $"Host {context.Request.Host}: the demo answers to loopback names only");
                return;
            }
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers.ContentSecurityPolicy = Policy;
            await next(context);
        });
        foreach ((string path, (string contentType, byte[] body)) in PageAssets.All)
        {
            _app.MapMethods(path, ["GET", "HEAD"], (RequestDelegate)(async context =>
            {
                context.Response.ContentType = contentType;
                context.Response.Headers.CacheControl = "no-cache";
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
            }));
        }
        _app.MapGet("/examples", (RequestDelegate)(async context =>
        {
            context.Response.ContentType = "application/json";
            await using var json = new Utf8JsonWriter(context.Response.Body);
            WriteExamples(json);
            await json.FlushAsync(context.RequestAborted);
        }));
        _app.MapGet("/run", (RequestDelegate)(async context =>
        {
            if (RunRequest.Parse(context.Request.Query, out string? problem) is not { } run)
            {
                await Text(context, StatusCodes.Status400BadRequest, problem!);
                return;
            }
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            try
            {
                await EventStream.WriteAsync(context.Response, run, cancel.Token);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // The page left, or the server is stopping: nobody is left to tell.
            }
        }));
    }

    private static void WriteExamples(Utf8JsonWriter json)
    {
        json.WriteStartArray();
        foreach (DemoExample e in DemoCatalog.All)
        {
            json.WriteStartObject();
            json.WriteString("name", e.Name);
            json.WriteString("summary", e.Summary);
            json.WriteStartObject("lanes");
            json.WriteString("client", e.Lanes.Client);
            json.WriteString("server", e.Lanes.Server);
            json.WriteEndObject();
            json.WriteBoolean("udp", e.Name.StartsWith("udp-", StringComparison.Ordinal));
            json.WriteBoolean("impairment", e.TakesImpairment);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static bool IsLoopbackHost(HostString host) =>
        host.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Host.Trim('[', ']'), out IPAddress? address) && ScanScope.IsLoopback(address));

    private static async Task Text(HttpContext context, int status, string line)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(line + "\n", context.RequestAborted);
    }

    /// <summary>Ends the runs in progress (their streams close), then stops serving.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
