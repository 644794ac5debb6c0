using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Inetkit.Tests.Support;

/// <summary>
/// A real Prometheus server from Debian's <c>prometheus</c> package, run by the test itself (never the system's
/// service) on a free loopback port, with a temporary configuration and database whose one scrape target is the
/// given metrics endpoint, scraped every 200 ms. Skips the test where it is not installed (.ci/run installs it).
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";
    public const string Promtool = "/usr/bin/promtool";

    private static readonly HttpClient Http = new();
    private readonly Process _process;
    private readonly string _directory;
    private readonly Uri _api;
    private readonly LineWriter _log = new();

    private PrometheusServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        _api = new Uri($"http://127.0.0.1:{port}/");
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _log.Write(e.Data + "\n"); } };
        process.BeginErrorReadLine();
    }

    public static void SkipUnlessInstalled()
    {
        if (!File.Exists(Binary) || !File.Exists(Promtool))
        {
            Assert.Skip("Prometheus is not installed (apt-get install prometheus; .ci/run does)");
        }
    }

    /// <summary>Starts Prometheus scraping <paramref name="target"/>'s /metrics, and returns once it says it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(IPEndPoint target, CancellationToken cancellationToken)
    {
        SkipUnlessInstalled();
        string directory = Directory.CreateTempSubdirectory("inetkit-prometheus-").FullName;
        string config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 200ms
              scrape_timeout: 200ms
            scrape_configs:
              - job_name: inetkit
                static_configs:
                  - targets: ["{target}"]
            """, cancellationToken);
        int port = FreePorts.ForTcpAndUdp(1)[0];
        var info = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = false };
        foreach (string arg in new[]
        {
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
        })
        {
            info.ArgumentList.Add(arg);
        }
        var prometheus = new PrometheusServer(Process.Start(info)!, directory, port);
        try
        {
            await prometheus.WaitReadyAsync(cancellationToken);
        }
        catch
        {
            await prometheus.DisposeAsync();
            throw;
        }
        return prometheus;
    }

    /// <summary>What Prometheus said on stderr, for a failing assertion's message.</summary>
    public string Log => _log.ToString();

    /// <summary>The value of an instant query that yields one sample (wrap it in <c>sum()</c>); null while it yields none.</summary>
    public async Task<double?> QueryAsync(string query, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await Http.GetAsync(new Uri(_api, $"api/v1/query?query={Uri.EscapeDataString(query)}"), cancellationToken);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        Assert.True(response.IsSuccessStatusCode, $"{query}: {body.RootElement}");
        JsonElement result = body.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? null : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Queries until the value is <paramref name="expected"/>, under the test's token, and returns what was last read:
    /// Prometheus scrapes on its own schedule, so this observes the real process rather than waiting a time out.
    /// </summary>
    public async Task<double?> WaitForAsync(string query, double expected, CancellationToken cancellationToken)
    {
        double? value = null;
        try
        {
            while ((value = await QueryAsync(query, cancellationToken)) != expected)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Out of time: the caller's assertion says what was seen last.
        }
        return value;
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Assert.False(_process.HasExited, $"prometheus exited: {_log}");
            try
            {
                using HttpResponseMessage ready = await Http.GetAsync(new Uri(_api, "-/ready"), cancellationToken);
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Runs <c>promtool check metrics</c> on an exposition; its exit code and what it said.</summary>
    public static async Task<(int Code, string Output)> CheckMetricsAsync(string exposition, CancellationToken cancellationToken)
    {
        SkipUnlessInstalled();
        var info = new ProcessStartInfo(Promtool) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("check");
        info.ArgumentList.Add("metrics");
        using Process promtool = Process.Start(info)!;
        Task<string> output = promtool.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> error = promtool.StandardError.ReadToEndAsync(cancellationToken);
        await promtool.StandardInput.WriteAsync(exposition.AsMemory(), cancellationToken);
        promtool.StandardInput.Close();
        await promtool.WaitForExitAsync(cancellationToken);
        return (promtool.ExitCode, (await output) + (await error));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held for a moment after the kill: the temp directory is swept anyway.
        }
    }
}
