using Microsoft.AspNetCore.Hosting;

namespace Inetkit.Demo.Web;

/// <summary>How <see cref="DemoWebServer"/> is hosted; the defaults serve the page as <c>inetkit demo --web</c> does.</summary>
public sealed record DemoWebOptions
{
    /// <summary>
    /// Called on the Kestrel host before it is built, after the listen address is set: for where the listening socket
    /// is made (a test has it made inside a network namespace of its own). The address itself stays the one given to
    /// <see cref="DemoWebServer.StartAsync"/>, checked to be loopback.
    /// </summary>
    public Action<IWebHostBuilder>? ConfigureHost { get; init; }
}
