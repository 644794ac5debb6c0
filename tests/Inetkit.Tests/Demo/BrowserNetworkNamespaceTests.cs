using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo;

/// <summary>
/// Chromium runs where nothing it sends can leave the machine: every one of its processes is in the harness's own
/// network namespace (<see cref="LoopbackNamespace"/>), whose only interface is lo and whose only routes are
/// loopback's, so its IPv6 reachability probe (a UDP connect to [2001:4860:4860::8888]:443) finds no route and no
/// neighbour or router is ever asked for. And the servers its pages load from are reachable there: one in this
/// process (Kestrel, <see cref="LoopbackSite"/>) and one in a child process started inside.
/// </summary>
public sealed class BrowserNetworkNamespaceTests(SharedBrowser shared) : IClassFixture<SharedBrowser>
{
    private const string ChromiumBinary = "/usr/lib/chromium/chromium";

    [Fact]
    public async Task EveryChromiumProcess_IsInANamespaceWithOnlyLo_WhereItsProbeFindsNoRoute()
    {
        Mermaid.RequireMermaid();
        LoopbackNamespace network = LoopbackNamespace.Shared;
        await using LoopbackSite site = await LoopbackSite.StartAsync(new Dictionary<string, (string, string)>
        {
            ["/"] = ("text/html; charset=utf-8", "<!doctype html><title>inside</title><p id=p>served inside</p>"),
        });
        Browser browser = await shared.GetAsync();
        // A page load and a render, so the browser, its renderers and its network service have all started (and
        // the probe, made when a context starts, has been made).
        await using BrowserPage page = await browser.OpenAsync(site.Root);
        Assert.Equal("served inside", await page.EvaluateAsync<string>("() => document.getElementById('p').textContent"));
        MermaidResult diagram = await (await shared.GetMermaidAsync()).RenderAsync("sequenceDiagram\n    Client->>Server: hello\n");
        Assert.True(diagram.Rendered, diagram.Error);

        int[] chromium = ChromiumProcesses();
        Assert.True(chromium.Length >= 2, $"expected the browser and its helpers among this process's descendants, found {chromium.Length}");
        Assert.NotEqual(LoopbackNamespace.NamespaceOf(Environment.ProcessId), network.Identity);
        foreach (int pid in chromium)
        {
            string? inside = LoopbackNamespace.NamespaceOf(pid);
            Assert.True(inside is null || inside == network.Identity, $"chromium {pid} ({CommandLine(pid)}) is in {inside}, not {network.Identity}");
        }
        int browserPid = chromium[0];
        Assert.Equal(["lo"], LoopbackNamespace.InterfacesOf(browserPid));
        // Every route there is lo's: IPv4's main table (the first column) is empty, IPv6's table lists them all (the last).
        Assert.All(File.ReadLines($"/proc/{browserPid}/net/route").Skip(1), line => Assert.Equal("lo", line.Split('\t')[0].Trim()));
        Assert.All(File.ReadLines($"/proc/{browserPid}/net/ipv6_route"), line => Assert.Equal("lo", line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]));

        // Chromium's probe itself, made the same way in the same namespace: refused at the route lookup.
        Assert.Equal(SocketError.NetworkUnreachable, network.CreateInside(() => UdpConnect(IPAddress.Parse("2001:4860:4860::8888"))));
        Assert.Equal(SocketError.NetworkUnreachable, network.CreateInside(() => UdpConnect(IPAddress.Parse("8.8.8.8"))));
    }

    [Fact]
    public async Task AServerInAChildProcess_StartedInside_IsReachedByThePage()
    {
        Browser.RequireChromium();
        string python = Python.Require();
        LoopbackNamespace network = LoopbackNamespace.Shared;
        using CancellationTokenSource timeout = TestTimeout.Create();
        string directory = Directory.CreateTempSubdirectory("inetkit-served-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "index.html"), "<!doctype html><p id=p>from a child process</p>", timeout.Token);
            // Port 0: the kernel picks, and http.server prints the one it got once it listens.
            await using var server = new ChildProcess(Process.Start(network.StartInfo(python, "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", directory, "0"))!);
            string line = await server.Out.WaitForLineAsync(l => l.StartsWith("Serving HTTP on ", StringComparison.Ordinal), timeout.Token);
            Uri root = new(line.Split('(', ')')[1]);
            Assert.Equal(network.Identity, LoopbackNamespace.NamespaceOf(server.Id));

            await using BrowserPage page = await (await shared.GetAsync()).OpenAsync(root);

            Assert.Equal("from a child process", await page.EvaluateAsync<string>("() => document.getElementById('p').textContent"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ASocketListeningInside_IsReachedFromInside_AndNotFromThisProcesssNetwork()
    {
        LoopbackNamespace.Require();
        LoopbackNamespace network = LoopbackNamespace.Shared;
        // A port held, bound but not listening, on this process's loopback: nothing else can listen on it here.
        using var held = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        held.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var endpoint = (IPEndPoint)held.LocalEndPoint!;
        // The same address and port inside is free: the namespace has a lo, and ports, of its own.
        using Socket listener = network.Listen(endpoint);

        using Socket client = network.CreateInside(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(endpoint);
            return socket;
        });
        using Socket accepted = await listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TestTimeout.Bound, TestContext.Current.CancellationToken);
        await client.SendAsync("hi"u8.ToArray(), TestContext.Current.CancellationToken);
        byte[] received = new byte[2];
        Assert.Equal(2, await accepted.ReceiveAsync(received, TestContext.Current.CancellationToken).AsTask().WaitAsync(TestTimeout.Bound, TestContext.Current.CancellationToken));
        Assert.Equal("hi"u8.ToArray(), received);

        // From this process's network the same address is its own lo, where the port is held and nothing listens.
        using var outside = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = Assert.Throws<SocketException>(() => outside.Connect(endpoint));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    private static SocketError UdpConnect(IPAddress address)
    {
        using var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            udp.Connect(new IPEndPoint(address, 443));
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }

    /// <summary>This process's descendants that run Chromium's binary, the browser process (the eldest) first.</summary>
    private static int[] ChromiumProcesses()
    {
        var parents = new Dictionary<int, int>();
        foreach (string entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), out int pid))
            {
                try
                {
                    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
                    string stat = File.ReadAllText(Path.Combine(entry, "stat"));
                    parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
                }
                catch (IOException)
                {
                    // Exited while listed.
                }
            }
        }
        var found = new List<int>();
        foreach ((int pid, _) in parents)
        {
            bool descends = false;
            for (int at = pid; parents.TryGetValue(at, out int parent) && at > 1; at = parent)
            {
                if (parent == Environment.ProcessId)
                {
                    descends = true;
                    break;
                }
            }
            string? exe = null;
            try
            {
                exe = new FileInfo($"/proc/{pid}/exe").LinkTarget;
            }
            catch (IOException)
            {
            }
            if (descends && exe == ChromiumBinary)
            {
                found.Add(pid);
            }
        }
        return [.. found.OrderBy(pid => Depth(pid, parents))];
    }

    private static int Depth(int pid, Dictionary<int, int> parents)
    {
        int depth = 0;
        for (int at = pid; parents.TryGetValue(at, out int parent) && at > 1; at = parent)
        {
            depth++;
        }
        return depth;
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
