using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Inetkit.Metrics;

/// <summary>
/// An HTTP listener for Prometheus: <c>GET /metrics</c> answers every instrument of <see cref="InetkitMeter"/> and the
/// runtime's "System.Runtime" meter (CPU, memory, GC, thread pool) in Prometheus' text format, or in OpenMetrics when the
/// scraper's Accept header asks for it; <c>GET /healthz</c> answers 200 until <see cref="ReportStopping"/>, then 503, so
/// that a load balancer or a probe sees the stop begin while connections still finish. An <see cref="Hosting.InetServer"/>
/// started with <see cref="Hosting.InetServerOptions.Metrics"/> runs one of its own; a proxy, or an embedder, starts one:
/// <code>
/// await using var metrics = await MetricsEndpoint.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
/// Console.WriteLine(metrics.MetricsUri); // http://127.0.0.1:40123/metrics
/// </code>
/// Servers and proxies keep their counts from their own start whether an endpoint listens or not, so one started later
/// reports them whole.
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly MeterProvider _provider;
    private int _stopping;

    private MetricsEndpoint(WebApplication app, MeterProvider provider)
    {
        _app = app;
        _provider = provider;
    }

    /// <summary>Where it listens (the port bound, when 0 was asked for).</summary>
    public IPEndPoint EndPoint { get; private set; } = null!;

    /// <summary>The scrape address: <c>http://127.0.0.1:PORT/metrics</c>.</summary>
    public Uri MetricsUri => new($"http://{EndPoint}/metrics");

    /// <summary>Whether <see cref="ReportStopping"/> was called: /healthz answers 503.</summary>
    public bool IsStopping => Volatile.Read(ref _stopping) != 0;

    /// <summary>
    /// Listens on <paramref name="endPoint"/>. Nothing checks the address here: the command line keeps it on loopback
    /// unless given another, since the counts say what this machine serves and how busy it is.
    /// </summary>
    /// <exception cref="MetricsBindException">The address cannot be bound.</exception>
    public static async Task<MetricsEndpoint> StartAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ProcessMetrics.Ensure();
        MeterProvider provider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("inetkit", serviceVersion: typeof(MetricsEndpoint).Assembly.GetName().Version?.ToString()))
            .AddMeter(InetkitMeter.Name, "System.Runtime")
            // Three of the runtime's gauges end in ".count", which Prometheus keeps for a histogram's or summary's
            // _count series (promtool check metrics says so): the same gauges under names that say what they count.
            .AddView("dotnet.assembly.count", "dotnet.assemblies.loaded")
            .AddView("dotnet.process.cpu.count", "dotnet.process.cpus")
            .AddView("dotnet.timer.count", "dotnet.timers.active")
            .AddPrometheusExporter(options =>
            {
                // Every scrape reads the counts afresh: a scrape right after known traffic must see all of it.
                options.ScrapeResponseCacheDurationMilliseconds = 0;
                // The names say whose a metric is (inetkit_, dotnet_); an otel_scope_name label on every series would not add to that.
                options.ScopeInfoEnabled = false;
            })
            .Build();
        WebApplication app = MinimalKestrel.Build("inetkit-metrics", endPoint);
        var metrics = new MetricsEndpoint(app, provider);
        app.MapPrometheusScrapingEndpoint("/metrics", provider, configureBranchedPipeline: null, optionsName: null);
        app.MapGet("/healthz", metrics.HealthAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            await app.DisposeAsync();
            provider.Dispose();
            throw new MetricsBindException(endPoint, e);
        }
        catch
        {
            await app.DisposeAsync();
            provider.Dispose();
            throw;
        }
        metrics.EndPoint = MinimalKestrel.BoundEndPoint(app);
        return metrics;
    }

    /// <summary>From now on /healthz answers 503: the process is stopping (metrics are still served meanwhile).</summary>
    public void ReportStopping() => Volatile.Write(ref _stopping, 1);

    private Task HealthAsync(HttpContext context)
    {
        bool stopping = IsStopping;
        context.Response.StatusCode = stopping ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; charset=utf-8";
        // Never cached: a probe must see the stop the moment it begins.
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(stopping ? "stopping\n" : "serving\n", context.RequestAborted);
    }

    /// <summary>Stops listening and stops counting.</summary>
    public async ValueTask DisposeAsync()
    {
        ReportStopping();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _provider.Dispose();
    }
}
