using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Inetkit.Hosting;
using Inetkit.Impairment;
using Inetkit.Protocol;
using Inetkit.Proxy.Api;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Proxy;

/// <summary>
/// The API driven by a real toxiproxy client library, npm's toxiproxy-node-client (.ci/run installs it into
/// /opt/inetkit-peers/npm): what it sends and what it expects back are toxiproxy's, not ours.
/// </summary>
public sealed partial class ToxiproxyApiTests
{
    private const string NodeModules = Inetd.Root + "/npm/node_modules";

    /// <summary>
    /// One step per run of node, so that the test observes the proxy between steps: "create" makes the proxy and
    /// adds a latency toxic and a limit_data one, reading them back; "remove" removes both and checks they are gone.
    /// </summary>
    private const string Script = """
        const { Toxiproxy } = require("toxiproxy-node-client");
        const [step, api, upstream] = process.argv.slice(2);
        const toxiproxy = new Toxiproxy(api);
        (async () => {
          if (step === "create") {
            const proxy = await toxiproxy.createProxy({ name: "echo", listen: "127.0.0.1:0", upstream });
            const latency = await proxy.addToxic({ type: "latency", stream: "downstream", toxicity: 1, attributes: { latency: 50, jitter: 0 } });
            await proxy.addToxic({ name: "cut", type: "limit_data", stream: "downstream", toxicity: 1, attributes: { bytes: 5 } });
            const again = await toxiproxy.get("echo");
            const listed = await again.getToxic("latency_downstream");
            const all = await toxiproxy.getAll();
            console.log(JSON.stringify({ listen: again.listen, enabled: again.enabled, latency: latency.name, listed: listed.attributes.latency, proxies: Object.keys(all) }));
          } else {
            const proxy = await toxiproxy.get("echo");
            await (await proxy.getToxic("latency_downstream")).remove();
            await (await proxy.getToxic("cut")).remove();
            let gone = "";
            try { await proxy.getToxic("cut"); } catch (e) { gone = e.message; }
            console.log(JSON.stringify({ gone }));
          }
        })().catch(e => { console.error(e.stack || String(e)); process.exit(1); });
        """;

    [Fact]
    public async Task TheNodeClient_CreatesAProxy_AddsAndRemovesToxics_AndTheConnectionsShowIt()
    {
        string node = RequireNode();
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using ToxiproxyApi api = await StartAsync();
        string script = Path.Combine(Path.GetTempPath(), $"inetkit-toxiproxy-{Guid.NewGuid():N}.js");
        await File.WriteAllTextAsync(script, Script, Ct);
        try
        {
            using JsonDocument created = await RunNodeAsync(node, script, "create", api, Upstream(echo));
            JsonElement result = created.RootElement;
            Assert.Equal("latency_downstream", result.GetProperty("latency").GetString());
            Assert.Equal(50, result.GetProperty("listed").GetInt32());
            Assert.True(result.GetProperty("enabled").GetBoolean());
            Assert.Equal(["echo"], result.GetProperty("proxies").EnumerateArray().Select(e => e.GetString()));
            IPEndPoint listen = IPEndPoint.Parse(result.GetProperty("listen").GetString()!);

            // The latency is applied (seen in the relay's impairment, not by timing); the cut is seen on the wire.
            ImpairmentSpec impairment = api.GetProxy("echo")!.Impairment;
            Assert.Equal(TimeSpan.FromMilliseconds(50), impairment.StreamDown.Latency);
            Assert.Equal(5, impairment.StreamDown.LimitData);
            Assert.Equal("hello", await EchoAsync(listen, "hello world"));

            using JsonDocument removed = await RunNodeAsync(node, script, "remove", api, Upstream(echo));
            Assert.Contains("404", removed.RootElement.GetProperty("gone").GetString(), StringComparison.Ordinal);
            Assert.True(api.GetProxy("echo")!.Impairment.IsNone);
            Assert.Equal("hello world", await EchoAsync(listen, "hello world"));
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static string RequireNode()
    {
        string? node = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);
        if (node is null)
        {
            Assert.Skip("node is not installed; .ci/run installs nodejs");
        }
        if (!Directory.Exists(Path.Combine(NodeModules, "toxiproxy-node-client")))
        {
            Assert.Skip($"toxiproxy-node-client is not installed in {NodeModules} (.ci/run does: npm install toxiproxy-node-client)");
        }
        return node;
    }

    private static async Task<JsonDocument> RunNodeAsync(string node, string script, string step, ToxiproxyApi api, string upstream)
    {
        var info = new ProcessStartInfo(node)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["NODE_PATH"] = NodeModules },
        };
        foreach (string arg in new[] { script, step, $"http://{api.EndPoint}", upstream })
        {
            info.ArgumentList.Add(arg);
        }
        using CancellationTokenSource timeout = TestTimeout.Create();
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        Assert.True(process.ExitCode == 0, $"node {step} exited {process.ExitCode}: {await errors}");
        return JsonDocument.Parse(await output);
    }
}
