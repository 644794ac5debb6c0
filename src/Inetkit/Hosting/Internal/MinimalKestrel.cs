using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// The HTTP host of the toxiproxy API and the demo's page: ASP.NET Core's empty builder with Kestrel's core only,
/// routing, no logging providers and no Server header, so nothing needs reflection and the tool stays AOT-compilable.
/// </summary>
internal static class MinimalKestrel
{
    public static WebApplication Build(string name, IPEndPoint listen, Action<IWebHostBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Listen(listen);
            k.AddServerHeader = false;
        });
        configure?.Invoke(builder.WebHost);
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        return builder.Build();
    }

    /// <summary>Where a started app listens: the port bound, when 0 was asked for.</summary>
    public static IPEndPoint BoundEndPoint(WebApplication app)
    {
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new IPEndPoint(IPAddress.Parse(address.Host.Trim('[', ']')), address.Port);
    }
}
