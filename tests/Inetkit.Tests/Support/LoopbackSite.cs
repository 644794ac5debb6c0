using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inetkit.Tests.Support;

/// <summary>
/// A few fixed pages, served by Kestrel on 127.0.0.1 at a port the kernel picks, for a browser test to open;
/// and WebSocket paths that each send their messages, one frame apiece, then close. It listens inside
/// <see cref="LoopbackNamespace.Shared"/>, where <see cref="Browser"/> runs Chromium: that 127.0.0.1 is the
/// namespace's own lo, reachable from the browser and not from the test process's network.
/// </summary>
internal sealed class LoopbackSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackSite(WebApplication app, Uri root)
    {
        _app = app;
        Root = root;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Root { get; }

    /// <param name="pages">By path ("/", "/events"): content type and body.</param>
    /// <param name="sockets">By path: the text messages a WebSocket there is sent.</param>
    public static async Task<LoopbackSite> StartAsync(
        IReadOnlyDictionary<string, (string ContentType, string Body)> pages,
        IReadOnlyDictionary<string, string[]>? sockets = null)
    {
        LoopbackNamespace network = LoopbackNamespace.Shared;
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "inetkit-tests-site" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        network.ListenInside(builder.WebHost);
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        app.UseWebSockets();
        app.Run(async context =>
        {
            string path = context.Request.Path.Value ?? "/";
            if (context.WebSockets.IsWebSocketRequest && sockets?.TryGetValue(path, out string[]? messages) == true)
            {
                using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
                foreach (string message in messages)
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
                }
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", context.RequestAborted);
                return;
            }
            if (!pages.TryGetValue(path, out (string ContentType, string Body) page))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            context.Response.ContentType = page.ContentType;
            await context.Response.WriteAsync(page.Body, context.RequestAborted);
        });
        try
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LoopbackSite(app, new Uri(address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
