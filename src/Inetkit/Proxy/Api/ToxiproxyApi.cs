using System.Net;
using Inetkit.Hosting.Internal;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Inetkit.Proxy.Api;

/// <summary>
/// toxiproxy's HTTP control API over <see cref="InetProxy"/> relays, so that toxiproxy's client libraries and curl
/// recipes drive Inetkit unchanged: <c>await using var api = await ToxiproxyApi.StartAsync(new(IPAddress.Loopback, 0))</c>,
/// then point a client at <c>http://</c><see cref="EndPoint"/>. It starts empty, as toxiproxy-server does. Kestrel
/// serves it (a kept HTTP host, not hand-written HTTP), with handlers on <see cref="RequestDelegate"/> and
/// source-generated JSON, so that nothing needs reflection and the tool stays AOT-compilable.
/// </summary>
public sealed class ToxiproxyApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ProxyRegistry _registry;
    private readonly ToxiproxyApiOptions _options;

    private ToxiproxyApi(WebApplication app, ProxyRegistry registry, ToxiproxyApiOptions options, IPEndPoint endPoint)
    {
        _app = app;
        _registry = registry;
        _options = options;
        EndPoint = endPoint;
    }

    /// <summary>Where the API listens (the port bound, when 0 was asked for).</summary>
    public IPEndPoint EndPoint { get; private set; }

    /// <summary>
    /// Listens on <paramref name="endPoint"/>. Nothing checks the address here: the CLI keeps it on loopback unless
    /// told otherwise, since whoever reaches the API can open proxies on this machine.
    /// </summary>
    public static async Task<ToxiproxyApi> StartAsync(IPEndPoint endPoint, ToxiproxyApiOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= new ToxiproxyApiOptions();
        WebApplication app = MinimalKestrel.Build("inetkit-proxy-api", endPoint);
        var registry = new ProxyRegistry(options);
        var api = new ToxiproxyApi(app, registry, options, endPoint);
        api.Map();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            await registry.DisposeAsync();
            throw;
        }
        api.EndPoint = MinimalKestrel.BoundEndPoint(app);
        return api;
    }

    /// <summary>
    /// Adds a proxy of this program's own, as if created through the API (it shows in <c>GET /proxies</c>, and its
    /// toxics are the API's to change): <c>inetkit proxy --to ... --api</c>. The target is not authorized again here:
    /// whoever calls this has done it, as for <see cref="InetProxy.StartAsync"/>.
    /// </summary>
    /// <exception cref="ToxiproxyApiException">The name is taken (409).</exception>
    /// <exception cref="ProxyBindException">The listen address cannot be bound.</exception>
    public Task<InetProxy> AddProxyAsync(string name, InetProxyOptions proxy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(proxy);
        return _registry.AddAsync(name, proxy, cancellationToken);
    }

    /// <summary>The relay of the proxy of that name while it is enabled; null when there is none or it is disabled.</summary>
    public InetProxy? GetProxy(string name) => _registry.Running(name);

    private void Map()
    {
        // toxiproxy's guard against pages in a browser driving a local API: a browser's user agent is refused.
        _app.Use(async (context, next) =>
        {
            if (context.Request.Headers.UserAgent.ToString().StartsWith("Mozilla/", StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("User agent not allowed\n", context.RequestAborted);
                return;
            }
            await next(context);
        });
        ToxiproxyJson json = ToxiproxyJson.Default;
        Route("GET", "/version", c => Write(c, 200, new VersionView { Version = _options.Version }, json.VersionView));
        Route("POST", "/populate", async c => await Write(c, 201, await _registry.PopulateAsync(await Read(c, json.ListProxyBody), c.RequestAborted), json.PopulateView));
        Route("POST", "/reset", async c => { await _registry.ResetAsync(c.RequestAborted); c.Response.StatusCode = 204; });
        Route("GET", "/proxies", async c => await Write(c, 200, await _registry.ListAsync(c.RequestAborted), json.DictionaryStringProxyView));
        Route("POST", "/proxies", async c => await Write(c, 201, await _registry.CreateAsync(await Read(c, json.ProxyBody), c.RequestAborted), json.ProxyView));
        Route("GET", "/proxies/{proxy}", async c => await Write(c, 200, await _registry.GetAsync(Name(c), c.RequestAborted), json.ProxyView));
        Route("POST,PATCH", "/proxies/{proxy}", async c => await Write(c, 200, await _registry.UpdateAsync(Name(c), await Read(c, json.ProxyBody), c.RequestAborted), json.ProxyView));
        Route("DELETE", "/proxies/{proxy}", async c => { await _registry.DeleteAsync(Name(c), c.RequestAborted); c.Response.StatusCode = 204; });
        Route("GET", "/proxies/{proxy}/toxics", async c => await Write(c, 200, await _registry.ToxicsAsync(Name(c), c.RequestAborted), json.ListToxicView));
        Route("POST", "/proxies/{proxy}/toxics", async c => await Write(c, 200, await _registry.AddToxicAsync(Name(c), await Read(c, json.ToxicBody), c.RequestAborted), json.ToxicView));
        Route("GET", "/proxies/{proxy}/toxics/{toxic}", async c => await Write(c, 200, await _registry.ToxicAsync(Name(c), Toxic(c), c.RequestAborted), json.ToxicView));
        Route("POST,PATCH", "/proxies/{proxy}/toxics/{toxic}", async c => await Write(c, 200, await _registry.UpdateToxicAsync(Name(c), Toxic(c), await Read(c, json.ToxicBody), c.RequestAborted), json.ToxicView));
        Route("DELETE", "/proxies/{proxy}/toxics/{toxic}", async c => { await _registry.RemoveToxicAsync(Name(c), Toxic(c), c.RequestAborted); c.Response.StatusCode = 204; });
    }

    private void Route(string methods, string pattern, RequestDelegate handler) =>
        _app.MapMethods(pattern, methods.Split(','), (RequestDelegate)(async context =>
        {
            try
            {
                await handler(context);
            }
            catch (ToxiproxyApiException e)
            {
                await Write(context, e.Status, new ErrorView { Error = e.Message, Status = e.Status }, ToxiproxyJson.Default.ErrorView);
            }
        }));

    private static string Name(HttpContext context) => (string)context.Request.RouteValues["proxy"]!;

    private static string Toxic(HttpContext context) => (string)context.Request.RouteValues["toxic"]!;

    /// <exception cref="ToxiproxyApiException">A body that is not the JSON expected (400, toxiproxy's "bad request body").</exception>
    private static async Task<T> Read<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted)
                ?? throw ToxiproxyApiException.BadBody("null");
        }
        catch (JsonException e)
        {
            throw ToxiproxyApiException.BadBody(e.Message);
        }
    }

    private static async Task Write<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted);
    }

    /// <summary>Stops the API, then every proxy it created.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _registry.DisposeAsync();
    }
}
