using System.Net;
using System.Net.Sockets;
using ExecProgram = Inetkit.Exec.ExecProgram;
using Inetkit.Hosting;
using Inetkit.Impairment;
using Inetkit.Protocol;
using Inetkit.Proxy;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Interop;

/// <summary>
/// The metrics against Prometheus itself (Debian's package): a real server scrapes <c>inetkit serve --metrics</c> and
/// its query API gives back the traffic sent, and <c>promtool check metrics</c> lints the exposition. Skipped without
/// Prometheus.
/// </summary>
public sealed class PrometheusInteropTests : IDisposable
{
    private static readonly HttpClient Http = new();
    private readonly Programs _programs = new();

    public void Dispose() => _programs.Dispose();

    [Fact]
    public async Task Prometheus_ScrapingServe_ReadsBackTheDatagramsTheConnectionsAndTheRefusals()
    {
        PrometheusServer.SkipUnlessInstalled();
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(60));
        await using var inetkit = ChildProcess.Start("serve", "echo", "--port", "0", "--bind", "127.0.0.1", "--metrics", "127.0.0.1:0", "--max-connections", "1");
        string announced = await inetkit.Err.WaitForLineAsync(l => l.StartsWith("inetkit: metrics on ", StringComparison.Ordinal), timeout.Token);
        var metrics = new Uri(announced["inetkit: metrics on ".Length..]);
        IPEndPoint tcp = Listening(inetkit, "tcp"), udp = Listening(inetkit, "udp");
        await using PrometheusServer prometheus = await PrometheusServer.StartAsync(new IPEndPoint(IPAddress.Parse(metrics.Host), metrics.Port), timeout.Token);
        const int Datagrams = 7, Connections = 4, Refused = 3;

        for (int i = 0; i < Datagrams; i++)
        {
            Assert.Equal("ping"u8.ToArray(), await Net.UdpExchangeAsync(udp, "ping"u8.ToArray(), timeout.Token));
        }
        for (int i = 0; i < Connections; i++)
        {
            Assert.Equal("hello"u8.ToArray(), await Net.ExchangeAsync(tcp, Transport.Tcp, "hello"u8.ToArray(), timeout.Token));
        }
        // One held open fills --max-connections 1: the next ones are refused by the cap.
        using Socket held = await Net.ConnectAsync(tcp, timeout.Token);
        await Net.SendAllAsync(held, "x"u8.ToArray(), timeout.Token);
        await Net.ReadExactlyAsync(held, 1, timeout.Token);
        for (int i = 0; i < Refused; i++)
        {
            await Net.AssertClosedAtOnceAsync(tcp, timeout.Token);
        }

        (string Query, double Expected)[] expectations =
        [
            ("sum(inetkit_datagrams_received_total{service=\"echo\",transport=\"udp\"})", Datagrams),
            ("sum(inetkit_datagrams_answered_total{service=\"echo\",transport=\"udp\"})", Datagrams),
            ("sum(inetkit_received_bytes_total{service=\"echo\",transport=\"udp\"})", Datagrams * 4),
            ("sum(inetkit_connections_accepted_total{service=\"echo\",transport=\"tcp\"})", Connections + 1),
            ("sum(inetkit_connections_closed_total{service=\"echo\",outcome=\"served\"})", Connections),
            ("sum(inetkit_connections_refused_total{service=\"echo\",reason=\"cap\"})", Refused),
            ("sum(inetkit_connections_open{service=\"echo\"})", 1),
            ("up{job=\"inetkit\"}", 1),
        ];
        foreach ((string query, double expected) in expectations)
        {
            double? value = await prometheus.WaitForAsync(query, expected, timeout.Token);
            Assert.True(value == expected, $"{query}: expected {expected}, Prometheus says {value?.ToString() ?? "nothing"}; its log: {prometheus.Log}");
        }
        Assert.True(await prometheus.QueryAsync("sum(dotnet_process_cpu_time_seconds_total)", timeout.Token) > 0);
        Assert.True(await prometheus.QueryAsync("inetkit_process_open_descriptors", timeout.Token) > 0);
    }

    [Fact]
    public async Task Promtool_CheckMetrics_FindsNoProblemInTheExposition()
    {
        PrometheusServer.SkipUnlessInstalled();
        using var timeout = TestTimeout.Create();
        string sleeper = _programs.Write("sleeper.sh", "#!/bin/sh\nexec sleep 300\n");
        await using InetServer server = await InetServer.StartAsync(new InetServerOptions
        {
            Definitions =
            [
                new ServiceDefinition { Name = "echo", Kind = ServiceKind.Echo, Port = 0, MaxConnections = 1 },
                new ServiceDefinition { Name = "qotd", Kind = ServiceKind.Qotd, Port = 0, Transports = Transport.Tcp },
                new ServiceDefinition { Name = "echo-impaired", Kind = ServiceKind.Echo, Port = 0, Transports = Transport.Udp, Impairment = ImpairmentSpec.Parse("duplicate=100%", Direction.Down) },
                new ServiceDefinition { Name = "echo-closed", Kind = ServiceKind.Echo, Port = 0, Transports = Transport.Udp, Access = AccessList.Parse(["127.0.0.2"], []) },
                new ServiceDefinition { Name = "sleeper", Kind = ServiceKind.Exec, Port = 0, Transports = Transport.Tcp, Program = new ExecProgram { Argv = [sleeper], Timeout = TimeSpan.FromMilliseconds(100) } },
            ],
            BindAddresses = [IPAddress.Loopback],
            Metrics = new IPEndPoint(IPAddress.Loopback, 0),
        }, timeout.Token);
        await using InetProxy proxy = await InetProxy.StartAsync(new InetProxyOptions { Target = server.GetEndPoint("echo", Transport.Tcp), Name = "echo-proxy" }, timeout.Token);
        // Something in every family: served and refused connections, datagrams answered, dropped and impaired, a program killed, a proxy's relay.
        await Net.ExchangeAsync(proxy.EndPoint, Transport.Tcp, "hi"u8.ToArray(), timeout.Token);
        await Net.ExchangeAsync(server.GetEndPoint("echo", Transport.Udp), Transport.Udp, "hi"u8.ToArray(), timeout.Token);
        await Net.ExchangeAsync(server.GetEndPoint("qotd", Transport.Tcp), Transport.Tcp, [], timeout.Token);
        await Net.ExchangeAsync(server.GetEndPoint("echo-impaired", Transport.Udp), Transport.Udp, "hi"u8.ToArray(), timeout.Token);
        using Socket quiet = Net.Udp(AddressFamily.InterNetwork);
        await quiet.SendToAsync("hi"u8.ToArray(), SocketFlags.None, server.GetEndPoint("echo-closed", Transport.Udp), timeout.Token);
        using (Socket held = await Net.ConnectAsync(server.GetEndPoint("echo", Transport.Tcp), timeout.Token))
        {
            await Net.SendAllAsync(held, "x"u8.ToArray(), timeout.Token);
            await Net.ReadExactlyAsync(held, 1, timeout.Token);
            await Net.AssertClosedAtOnceAsync(server.GetEndPoint("echo", Transport.Tcp), timeout.Token);
        }
        using (Socket program = await Net.ConnectAsync(server.GetEndPoint("sleeper", Transport.Tcp), timeout.Token))
        {
            // Its exec timeout ends it with SIGTERM, and the connection with it.
            await Net.ReadToEndAsync(program, timeout.Token, resetIsEnd: true);
        }
        string exposition = await ScrapeUntilAsync(server.Metrics!.MetricsUri, "inetkit_exec_killed_total{", timeout.Token);

        (int code, string output) = await PrometheusServer.CheckMetricsAsync(exposition, timeout.Token);

        Assert.True(code == 0 && output.Length == 0, $"promtool check metrics: exit {code}: {output}\n{exposition}");
        foreach (string family in new[]
        {
            "inetkit_connections_accepted_total", "inetkit_connections_refused_total", "inetkit_connections_closed_total", "inetkit_connections_open",
            "inetkit_datagrams_received_total", "inetkit_datagrams_answered_total", "inetkit_datagrams_dropped_total", "inetkit_received_bytes_total",
            "inetkit_sent_bytes_total", "inetkit_exec_started_total", "inetkit_exec_running", "inetkit_exec_killed_total",
            "inetkit_impairment_submitted_total", "inetkit_impairment_decisions_total", "inetkit_proxy_connections_total", "inetkit_proxy_relayed_bytes_total",
            "inetkit_process_open_descriptors", "dotnet_process_memory_working_set_bytes", "dotnet_gc_collections_total",
        })
        {
            Assert.Contains($"\n# TYPE {family} ", exposition, StringComparison.Ordinal);
        }
        // The operations guide lists every family served.
        if (OperationsGuide() is { } guide)
        {
            foreach (string family in exposition.Split('\n').Where(l => l.StartsWith("# TYPE inetkit_", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]))
            {
                Assert.Contains($"| `{family}` |", guide, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task OperationsGuide_ItsExampleAlerts_PassPromtoolCheckRules()
    {
        PrometheusServer.SkipUnlessInstalled();
        using var timeout = TestTimeout.Create();
        string? guide = OperationsGuide();
        Assert.SkipWhen(guide is null, "docs/operations.md is not above the test binaries (not run from the repository)");
        string rules = Path.Combine(_programs.Directory, "rules.yml");
        await File.WriteAllTextAsync(rules, guide.Split("### Example alerts")[1].Split("```yaml\n")[1].Split("```")[0], timeout.Token);

        var info = new System.Diagnostics.ProcessStartInfo(PrometheusServer.Promtool, ["check", "rules", rules]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var promtool = System.Diagnostics.Process.Start(info)!;
        string output = await promtool.StandardOutput.ReadToEndAsync(timeout.Token) + await promtool.StandardError.ReadToEndAsync(timeout.Token);
        await promtool.WaitForExitAsync(timeout.Token);

        Assert.True(promtool.ExitCode == 0, output);
        Assert.Contains("SUCCESS: 4 rules found", output, StringComparison.Ordinal);
    }

    /// <summary>docs/operations.md, found above the test binaries; null when not run from the repository.</summary>
    private static string? OperationsGuide()
    {
        string? root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "docs", "operations.md")))
        {
            root = Path.GetDirectoryName(root);
        }
        return root is null ? null : File.ReadAllText(Path.Combine(root, "docs", "operations.md"));
    }

    /// <summary>The endpoint printed on stdout for the transport ("echo     udp  127.0.0.1:40123").</summary>
    private static IPEndPoint Listening(ChildProcess inetkit, string transport) =>
        IPEndPoint.Parse(inetkit.Out.Lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).First(f => f[1] == transport)[2]);

    /// <summary>Scrapes until the exposition holds <paramref name="text"/> (what the server counts as it happens).</summary>
    private static async Task<string> ScrapeUntilAsync(Uri metrics, string text, CancellationToken cancellationToken)
    {
        while (true)
        {
            string exposition = await Http.GetStringAsync(metrics, cancellationToken);
            if (exposition.Contains(text, StringComparison.Ordinal))
            {
                return exposition;
            }
            await Task.Delay(20, cancellationToken);
        }
    }
}
