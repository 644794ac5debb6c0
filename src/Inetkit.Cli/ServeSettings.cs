using System.CommandLine;
using System.Net;
using Inetkit.Exec;
using Inetkit.Hosting;
using Inetkit.Impairment;
using Inetkit.Protocol;
using Microsoft.Extensions.Logging;

namespace Inetkit.Cli;

/// <summary>A service to run as the settings name it: a table of a config file, or what the command line names.</summary>
internal sealed record ServiceSource(string Name, ServiceKind Kind, IReadOnlyList<string>? Argv, ServeLayer? Table, string Origin);

/// <summary>
/// serve's settings resolved from their layers into the server's options: the command line first, then a service's
/// own table, then <c>[defaults]</c>, then the options' defaults. Two keys differ in what the whole-server layers
/// mean: <c>max-connections</c> and <c>max-connections-per-source</c> there cap all services together (as on the
/// command line), and in a service's table cap that service besides; a service's own UDP rates give it buckets
/// of its own instead of the shared ones.
/// </summary>
internal sealed class ServeSettings(ServeLayer commandLine, ServeLayer? defaults, IReadOnlyList<ServiceSource> services)
{
    private IReadOnlyList<ServeLayer> ServerLayers => defaults is null ? [commandLine] : [commandLine, defaults];

    private IReadOnlyList<ServeLayer> LayersOf(ServiceSource service) =>
        [.. new[] { commandLine, service.Table, defaults }.OfType<ServeLayer>()];

    public Setting<T> Server<T>(Func<ServeOptions, Option<T>> pick) => ServeLayers.Resolve(ServerLayers, pick);

    public Setting<T> Service<T>(ServiceSource service, Func<ServeOptions, Option<T>> pick) => ServeLayers.Resolve(LayersOf(service), pick);

    public IReadOnlyList<ServiceSource> Services => services;

    /// <summary>Only what the service's own table gives (and the command line does not override).</summary>
    private Setting<T>? Own<T>(ServiceSource service, Func<ServeOptions, Option<T>> pick)
    {
        if (commandLine.Gives(pick) || service.Table is not { } table || !table.Gives(pick))
        {
            return null;
        }
        return new Setting<T>(table.Result.GetValue(pick(table.Options))!, table.Where(pick), true);
    }

    /// <summary>The server's options.</summary>
    /// <exception cref="ArgumentException">A value that only makes sense with others is wrong (a missing program, an impairment the transports cannot take).</exception>
    public InetServerOptions Build(ILogger logger, Action<string>? trace, Action<ConnectionLogEntry>? connectionLog)
    {
        Transport transports = TransportsOf(ServerLayers);
        string[] bind = Server(o => o.Bind).Value ?? [];
        FileInfo? quotes = Server(o => o.Quotes).Value;
        double idle = Server(o => o.IdleTimeout).Value;
        var (impairAll, impairPerService) = ImpairArguments.Parse(Server(o => o.Impair).Value ?? [], transports);
        return new InetServerOptions
        {
            Definitions = [.. services.Select(Definition)],
            Impairment = impairAll,
            ServiceImpairments = impairPerService,
            BindAddresses = bind.Length == 0 ? null : Addresses(bind),
            PortOffset = Server(o => o.PortOffset).Value,
            Transports = transports,
            Once = Server(o => o.Once).Value,
            Quotes = quotes is null ? QuoteBook.BuiltIn : QuoteBook.Load(quotes.FullName),
            DaytimeFormat = DaytimeFormat.Parse(Server(o => o.DaytimeFormat).Value),
            MaxConnections = Server(o => o.MaxConnections).Value,
            MaxConnectionsPerSource = Server(o => o.MaxConnectionsPerSource).Value,
            IdleTimeout = Seconds(idle),
            UdpRate = Server(o => o.UdpRate).Value,
            UdpGlobalRate = Server(o => o.UdpGlobalRate).Value,
            AllowAmplification = Server(o => o.AllowAmplification).Value,
            Access = Access(Server(o => o.Allow).Value, Server(o => o.Deny).Value),
            ShutdownGrace = TimeSpan.FromSeconds(Server(o => o.Grace).Value),
            UdpReceiveLoops = Server(o => o.UdpReceiveLoops).Value,
            Metrics = Server(o => o.Metrics).Value is { } metrics ? MetricsAddress.Parse(metrics) : null,
            Logger = logger,
            Trace = trace,
            ConnectionLog = connectionLog,
        };
    }

    /// <summary>The definition of one service, as <see cref="Build"/> makes it.</summary>
    public ServiceDefinition Definition(ServiceSource service)
    {
        IReadOnlyList<ServeLayer> layers = LayersOf(service);
        Transport transports = TransportsOf(layers);
        string[] bind = Service(service, o => o.Bind).Value ?? [];
        ImpairmentSpec? impairment = null;
        if (Own(service, o => o.Impair) is { } own)
        {
            impairment = ImpairArguments.Parse(own.Value, transports).All;
        }
        // Each list on its own, the command line's first: --allow on the command line replaces every allow list
        // and leaves each table's deny list standing.
        Setting<string[]> allow = Service(service, o => o.Allow);
        Setting<string[]> deny = Service(service, o => o.Deny);
        return new ServiceDefinition
        {
            Name = service.Name,
            Kind = service.Kind,
            Program = service.Kind == ServiceKind.Exec ? Program(service) : null,
            Transports = transports,
            BindAddresses = bind.Length == 0 ? null : Addresses(bind),
            Port = Service(service, o => o.Port).Value,
            MaxConnections = Own(service, o => o.MaxConnections)?.Value,
            MaxConnectionsPerSource = Own(service, o => o.MaxConnectionsPerSource)?.Value,
            IdleTimeout = Own(service, o => o.IdleTimeout) is { } idle ? Seconds(idle.Value) : null,
            UdpRate = Own(service, o => o.UdpRate)?.Value,
            UdpGlobalRate = Own(service, o => o.UdpGlobalRate)?.Value,
            AllowAmplification = Own(service, o => o.AllowAmplification)?.Value,
            Impairment = impairment,
            Access = Access(allow.Value, deny.Value),
        };
    }

    private ExecProgram Program(ServiceSource service)
    {
        string? user = Service(service, o => o.User).Value;
        string? group = Service(service, o => o.Group).Value;
        if (user is not null && user.Contains(':', StringComparison.Ordinal))
        {
            (user, group) = (user[..user.IndexOf(':', StringComparison.Ordinal)], user[(user.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        }
        double timeout = Service(service, o => o.ExecTimeout).Value;
        return new ExecProgram
        {
            Argv = service.Argv ?? [],
            WorkingDirectory = Service(service, o => o.WorkingDirectory).Value,
            PassEnvironment = Service(service, o => o.PassEnv).Value ?? [],
            Instances = Service(service, o => o.Instances).Value,
            Timeout = timeout == 0 ? null : TimeSpan.FromSeconds(timeout),
            User = string.IsNullOrEmpty(user) ? null : user,
            Group = string.IsNullOrEmpty(group) ? null : group,
        };
    }

    /// <summary>--tcp, --udp, both or neither (both), the first layer that says either deciding.</summary>
    private static Transport TransportsOf(IReadOnlyList<ServeLayer> layers)
    {
        foreach (ServeLayer layer in layers)
        {
            if (layer.Gives(o => o.Tcp) || layer.Gives(o => o.Udp))
            {
                Transport t = (layer.Result.GetValue(layer.Options.Tcp) ? Transport.Tcp : 0) | (layer.Result.GetValue(layer.Options.Udp) ? Transport.Udp : 0);
                return t == Transport.None ? Transport.Both : t;
            }
        }
        return Transport.Both;
    }

    private static IPAddress[] Addresses(string[] bind) => [.. bind.SelectMany(t => ServeOptions.ParseBind(t)!).Distinct()];

    private static TimeSpan Seconds(double seconds) => seconds == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds);

    private static AccessList Access(string[]? allow, string[]? deny) =>
        AccessList.Parse(ServeOptions.ListEntries(allow ?? []), ServeOptions.ListEntries(deny ?? []));
}
