using System.Net;
using System.Text.Json;
using Inetkit.Clients;
using Inetkit.Impairment;
using Inetkit.Protocol;
using Inetkit.Scanning;

namespace Inetkit.Proxy.Api;

/// <summary>
/// The API's named proxies and what each route does to them, with toxiproxy's rules: names unique (409), unknown
/// ones 404, a toxic named <c>type_stream</c> unless named, <c>downstream</c> and toxicity 1 by default. One lock
/// for every change: API calls are rare and short, and a proxy's start or stop is then never seen half done.
/// </summary>
internal sealed class ProxyRegistry(ToxiproxyApiOptions options) : IAsyncDisposable
{
    private readonly Dictionary<string, NamedProxy> _proxies = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lock = new(1, 1);

    public InetProxy? Running(string name)
    {
        lock (_proxies)
        {
            return _proxies.GetValueOrDefault(name)?.Running;
        }
    }

    public Task<Dictionary<string, ProxyView>> ListAsync(CancellationToken ct) =>
        Locked(() => Task.FromResult(Snapshot().ToDictionary(p => p.Name, p => p.ToView(), StringComparer.Ordinal)), ct);

    public Task<ProxyView> GetAsync(string name, CancellationToken ct) => Locked(() => Task.FromResult(Find(name).ToView()), ct);

    public Task<ProxyView> CreateAsync(ProxyBody body, CancellationToken ct) => Locked(async () =>
    {
        if (string.IsNullOrEmpty(body.Name))
        {
            throw ToxiproxyApiException.MissingField("name");
        }
        if (string.IsNullOrEmpty(body.Upstream))
        {
            throw ToxiproxyApiException.MissingField("upstream");
        }
        Transport? transport = ProxyAddresses.ParseTransport(body.Transport);
        string listen = body.Listen ?? "";
        ProxyAddresses.ParseListen(listen);
        if (Exists(body.Name))
        {
            throw ToxiproxyApiException.ProxyExists();
        }
        IPEndPoint target = await AuthorizeAsync(body.Upstream, transport, ct);
        var proxy = new NamedProxy(body.Name, options) { Listen = listen, Upstream = body.Upstream, Target = target, Transport = transport };
        if (body.Enabled ?? true)
        {
            await StartAsync(proxy, ct);
        }
        lock (_proxies)
        {
            _proxies.Add(proxy.Name, proxy);
        }
        options.Trace?.Invoke($"api: proxy {proxy.Name} {proxy.Listen} -> {proxy.Upstream} ({(proxy.Enabled ? "enabled" : "disabled")})");
        return proxy.ToView();
    }, ct);

    /// <summary>A proxy the program itself starts (its target authorized by the caller), named and changed as the API's own.</summary>
    public Task<InetProxy> AddAsync(string name, InetProxyOptions template, CancellationToken ct) => Locked(async () =>
    {
        if (Exists(name))
        {
            throw ToxiproxyApiException.ProxyExists();
        }
        var proxy = new NamedProxy(name, options)
        {
            Listen = ProxyAddresses.Format(template.Listen),
            Upstream = ProxyAddresses.Format(template.Target),
            Target = template.Target,
            Transport = template.Transport,
            Template = template,
        };
        await proxy.StartAsync(ct);
        lock (_proxies)
        {
            _proxies.Add(proxy.Name, proxy);
        }
        return proxy.Running!;
    }, ct);

    /// <summary>toxiproxy's update: what the body leaves out stays; a new listen, upstream or transport restarts the proxy.</summary>
    public Task<ProxyView> UpdateAsync(string name, ProxyBody body, CancellationToken ct) => Locked(async () =>
    {
        NamedProxy proxy = Find(name);
        string listen = body.Listen ?? proxy.Listen;
        string upstream = body.Upstream ?? proxy.Upstream;
        Transport? transport = body.Transport is null ? proxy.Transport : ProxyAddresses.ParseTransport(body.Transport);
        bool enabled = body.Enabled ?? proxy.Enabled;
        ProxyAddresses.ParseListen(listen);
        if (listen != proxy.Listen || upstream != proxy.Upstream || transport != proxy.Transport)
        {
            IPEndPoint target = upstream == proxy.Upstream ? proxy.Target : await AuthorizeAsync(upstream, transport, ct);
            await proxy.StopAsync();
            (proxy.Listen, proxy.Upstream, proxy.Target, proxy.Transport) = (listen, upstream, target, transport);
        }
        if (enabled && !proxy.Enabled)
        {
            await StartAsync(proxy, ct);
        }
        else if (!enabled)
        {
            await proxy.StopAsync();
        }
        return proxy.ToView();
    }, ct);

    /// <summary>
    /// toxiproxy's populate (what its clients' <c>populate()</c> sends, a test suite's fixture in one call): each
    /// proxy named is created, or updated where it exists; the first that cannot be is the error, those before stay.
    /// </summary>
    public async Task<PopulateView> PopulateAsync(List<ProxyBody> bodies, CancellationToken ct)
    {
        var views = new List<ProxyView>();
        foreach (ProxyBody body in bodies)
        {
            if (string.IsNullOrEmpty(body.Name))
            {
                throw ToxiproxyApiException.MissingField("name");
            }
            views.Add(Exists(body.Name) ? await UpdateAsync(body.Name, body, ct) : await CreateAsync(body, ct));
        }
        return new PopulateView { Proxies = views };
    }

    public Task DeleteAsync(string name, CancellationToken ct) => Locked(async () =>
    {
        NamedProxy proxy = Find(name);
        lock (_proxies)
        {
            _proxies.Remove(name);
        }
        await proxy.StopAsync();
        return true;
    }, ct);

    /// <summary>toxiproxy's reset: every proxy enabled again, every toxic removed.</summary>
    public Task ResetAsync(CancellationToken ct) => Locked(async () =>
    {
        foreach (NamedProxy proxy in Snapshot())
        {
            proxy.SetToxics([]);
            await StartAsync(proxy, ct);
        }
        return true;
    }, ct);

    public Task<List<ToxicView>> ToxicsAsync(string name, CancellationToken ct) =>
        Locked(() => Task.FromResult(NamedProxy.Ordered(Find(name).Toxics).Select(t => t.ToView()).ToList()), ct);

    public Task<ToxicView> ToxicAsync(string name, string toxic, CancellationToken ct) =>
        Locked(() => Task.FromResult(FindToxic(Find(name), toxic).ToView()), ct);

    public Task<ToxicView> AddToxicAsync(string name, ToxicBody body, CancellationToken ct) => Locked(() =>
    {
        NamedProxy proxy = Find(name);
        string stream = body.Stream ?? "downstream";
        Direction direction = stream switch
        {
            "upstream" => Direction.Up,
            "downstream" => Direction.Down,
            _ => throw ToxiproxyApiException.InvalidStream(),
        };
        string type = body.Type ?? "";
        string toxicName = string.IsNullOrEmpty(body.Name) ? $"{type}_{stream}" : body.Name;
        CheckType(proxy, type);
        if (proxy.Toxics.Any(t => t.Name == toxicName))
        {
            throw ToxiproxyApiException.ToxicExists();
        }
        Toxic toxic = ToxicMapping.Build(toxicName, type, direction, body.Toxicity ?? 1.0f, body.Attributes ?? []);
        proxy.SetToxics([.. proxy.Toxics, toxic]);
        options.Trace?.Invoke($"api: proxy {name}: toxic {toxicName} added");
        return Task.FromResult(toxic.ToView());
    }, ct);

    /// <summary>toxiproxy's update: the attributes given are laid over the old ones, toxicity kept unless given.</summary>
    public Task<ToxicView> UpdateToxicAsync(string name, string toxicName, ToxicBody body, CancellationToken ct) => Locked(() =>
    {
        NamedProxy proxy = Find(name);
        Toxic old = FindToxic(proxy, toxicName);
        var attributes = new Dictionary<string, JsonElement>(old.Attributes, StringComparer.Ordinal);
        foreach (var (key, value) in body.Attributes ?? [])
        {
            attributes[key] = value;
        }
        Toxic toxic = ToxicMapping.Build(old.Name, old.Type, old.Direction, body.Toxicity ?? old.Toxicity, attributes);
        proxy.SetToxics([.. proxy.Toxics.Select(t => t.Name == toxicName ? toxic : t)]);
        options.Trace?.Invoke($"api: proxy {name}: toxic {toxicName} updated");
        return Task.FromResult(toxic.ToView());
    }, ct);

    public Task RemoveToxicAsync(string name, string toxicName, CancellationToken ct) => Locked(() =>
    {
        NamedProxy proxy = Find(name);
        FindToxic(proxy, toxicName);
        proxy.SetToxics([.. proxy.Toxics.Where(t => t.Name != toxicName)]);
        options.Trace?.Invoke($"api: proxy {name}: toxic {toxicName} removed");
        return Task.FromResult(true);
    }, ct);

    public async ValueTask DisposeAsync()
    {
        await _lock.WaitAsync();
        try
        {
            foreach (NamedProxy proxy in Snapshot())
            {
                await proxy.StopAsync();
            }
        }
        finally
        {
            _lock.Release();
        }
        _lock.Dispose();
    }

    /// <summary>Datagram toxics need a proxy that relays UDP; stream toxics one that relays TCP.</summary>
    private static void CheckType(NamedProxy proxy, string type)
    {
        if (!ToxicMapping.IsDatagramType(type) && !ToxicMapping.IsStreamType(type))
        {
            throw ToxiproxyApiException.InvalidToxicType();
        }
        if (ToxicMapping.IsDatagramType(type) && proxy.Transport == Transport.Tcp)
        {
            throw ToxiproxyApiException.InvalidToxicType($"{type} acts on datagrams, and {proxy.Name} relays TCP only (create it with \"transport\": \"udp\" or \"tcp+udp\")");
        }
        if (ToxicMapping.IsStreamType(type) && proxy.Transport == Transport.Udp)
        {
            throw ToxiproxyApiException.InvalidToxicType($"{type} acts on TCP streams, and {proxy.Name} relays UDP only");
        }
    }

    private async Task<IPEndPoint> AuthorizeAsync(string upstream, Transport? transport, CancellationToken ct)
    {
        (string host, int? port) split;
        try
        {
            split = ServiceAddress.Split(upstream);
        }
        catch (FormatException e)
        {
            throw ToxiproxyApiException.BadBody($"upstream {e.Message}");
        }
        if (split.port is not { } port)
        {
            throw ToxiproxyApiException.BadBody($"upstream {upstream}: give the server's port too (HOST:PORT)");
        }
        try
        {
            return new IPEndPoint(await options.AuthorizeUpstream(split.host, port, transport, ct), port);
        }
        catch (UnauthorizedScanException e)
        {
            throw new ToxiproxyApiException(403, $"upstream {upstream} refused: {e.Message}");
        }
        catch (ScopeException e)
        {
            throw new ToxiproxyApiException(403, $"upstream {upstream} refused: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw ToxiproxyApiException.BadBody($"upstream {upstream}: {e.Message}");
        }
    }

    private static async Task StartAsync(NamedProxy proxy, CancellationToken ct)
    {
        try
        {
            await proxy.StartAsync(ct);
        }
        catch (ProxyBindException e)
        {
            // toxiproxy passes the listen error on as it is, a 500.
            throw new ToxiproxyApiException(500, e.Message);
        }
    }

    private async Task<T> Locked<T>(Func<Task<T>> action, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            return await action();
        }
        finally
        {
            _lock.Release();
        }
    }

    private NamedProxy[] Snapshot()
    {
        lock (_proxies)
        {
            return [.. _proxies.Values];
        }
    }

    private bool Exists(string name)
    {
        lock (_proxies)
        {
            return _proxies.ContainsKey(name);
        }
    }

    private NamedProxy Find(string name)
    {
        lock (_proxies)
        {
            return _proxies.GetValueOrDefault(name) ?? throw ToxiproxyApiException.ProxyNotFound();
        }
    }

    private static Toxic FindToxic(NamedProxy proxy, string name) =>
        proxy.Toxics.FirstOrDefault(t => t.Name == name) ?? throw ToxiproxyApiException.ToxicNotFound();
}
