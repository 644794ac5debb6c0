using System.Collections;
using System.CommandLine;
using System.Globalization;
using Inetkit.Hosting;
using Inetkit.Protocol;

namespace Inetkit.Cli;

/// <summary>
/// <c>serve --config FILE --check</c>, as <c>sshd -t</c> and <c>nginx -t</c>: the file is valid, and this is what
/// would run, every value (defaults included) with where it came from, written as a config file itself.
/// </summary>
internal static class ServeCheck
{
    private static readonly HashSet<string> ServiceKeys =
    [
        "bind", "port", "tcp", "udp", "allow", "deny", "idle-timeout", "max-connections", "max-connections-per-source",
        "udp-rate", "udp-global-rate", "allow-amplification", "impair",
    ];

    private static readonly HashSet<string> ProgramKeys = ["instances", "exec-timeout", "user", "group", "pass-env", "working-directory"];

    public static void Print(ServeSettings settings, InetServerOptions options, TextWriter output)
    {
        output.WriteLine("# inetkit serve --check: the configuration is valid. What would run, every value with where it came from:");
        output.WriteLine();
        output.WriteLine("[defaults]");
        var names = new ServeOptions();
        foreach (Option option in names.All)
        {
            string key = option.Name.TrimStart('-');
            if (key is "name" or "port")
            {
                continue;
            }
            Line(output, key, ServerValue(settings, option));
        }
        foreach (ServiceSource service in settings.Services)
        {
            output.WriteLine();
            output.WriteLine(service.Origin.StartsWith('[') ? service.Origin : $"[service.{service.Name}]");
            ServiceDefinition definition = options.Definitions!.First(d => d.Name == service.Name);
            if (service.Kind == ServiceKind.Exec)
            {
                Line(output, "exec", (service.Argv!, service.Origin));
                output.WriteLine($"# program found: {Exec.ExecProgram.Find(service.Argv![0])}");
            }
            else
            {
                Line(output, "builtin", (WellKnownPorts.Name(service.Kind), service.Name == WellKnownPorts.Name(service.Kind) ? "the table's name" : service.Origin));
            }
            foreach (Option option in names.All)
            {
                string key = option.Name.TrimStart('-');
                if (ServiceKeys.Contains(key) || (service.Kind == ServiceKind.Exec && ProgramKeys.Contains(key)))
                {
                    (object? value, string origin) = ServiceValue(settings, service, option);
                    (value, origin) = key switch
                    {
                        "port" when value is null => (WellKnownPorts.PortFor(service.Kind, options.PortOffset), $"default: {WellKnownPorts.WellKnown(service.Kind)} + port-offset {options.PortOffset}"),
                        "bind" when value is string[] { Length: 0 } => (new[] { "127.0.0.1", "::1" }, "default: loopback"),
                        "tcp" => ((definition.Transports & Transport.Tcp) != 0, TransportsOrigin(settings, service)),
                        "udp" => ((definition.Transports & Transport.Udp) != 0, TransportsOrigin(settings, service)),
                        "max-connections" => (definition.MaxConnections, definition.MaxConnections is null ? $"none of its own; the server's {options.MaxConnections:N0} over all services applies" : origin),
                        "max-connections-per-source" => (definition.MaxConnectionsPerSource, definition.MaxConnectionsPerSource is null ? "none of its own; the server's applies" : origin),
                        _ => (value, origin),
                    };
                    Line(output, key, (value, origin));
                }
            }
        }
    }

    /// <summary>tcp and udp are read together: whichever was given decides both.</summary>
    private static string TransportsOrigin(ServeSettings settings, ServiceSource service)
    {
        Setting<bool> tcp = settings.Service(service, o => o.Tcp);
        Setting<bool> udp = settings.Service(service, o => o.Udp);
        return tcp.Given ? tcp.Origin : udp.Given ? udp.Origin : "default: both";
    }

    private static (object? Value, string Origin) ServerValue(ServeSettings settings, Option option) =>
        Generic(option, o => ResolveBoxed(o, option, layerFor: null, settings));

    private static (object? Value, string Origin) ServiceValue(ServeSettings settings, ServiceSource service, Option option) =>
        Generic(option, o => ResolveBoxed(o, option, service, settings));

    private static (object? Value, string Origin) Generic(Option option, Func<ServeOptions, (object?, string)> resolve) => resolve(new ServeOptions());

    private static (object?, string) ResolveBoxed(ServeOptions _, Option option, ServiceSource? layerFor, ServeSettings settings)
    {
        // Options are matched by name across the layers' own option sets.
        Func<ServeOptions, Option> pick = o => o.All.First(x => x.Name == option.Name);
        return option switch
        {
            Option<bool> => Boxed(layerFor, settings, o => (Option<bool>)pick(o)),
            Option<int> => Boxed(layerFor, settings, o => (Option<int>)pick(o)),
            Option<int?> => Boxed(layerFor, settings, o => (Option<int?>)pick(o)),
            Option<double> => Boxed(layerFor, settings, o => (Option<double>)pick(o)),
            Option<double?> => Boxed(layerFor, settings, o => (Option<double?>)pick(o)),
            Option<string> => Boxed(layerFor, settings, o => (Option<string>)pick(o)),
            Option<string[]> => Boxed(layerFor, settings, o => (Option<string[]>)pick(o)),
            Option<FileInfo?> => Boxed(layerFor, settings, o => (Option<FileInfo?>)pick(o)),
            _ => (null, "?"),
        };
    }

    private static (object?, string) Boxed<T>(ServiceSource? service, ServeSettings settings, Func<ServeOptions, Option<T>> pick)
    {
        Setting<T> setting = service is null ? settings.Server(pick) : settings.Service(service, pick);
        return (setting.Value, setting.Origin);
    }

    private static void Line(TextWriter output, string key, (object? Value, string Origin) setting)
    {
        string value = setting.Value is ICollection { Count: 0 } ? "" : Toml(setting.Value);
        output.WriteLine(value.Length == 0 ? $"# {key}: not set ({setting.Origin})" : $"{key} = {value}  # {setting.Origin}");
    }

    private static string Toml(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        string s => Quote(s),
        FileInfo f => Quote(f.FullName),
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Toml)) + "]",
        _ => Quote(value.ToString() ?? ""),
    };

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
