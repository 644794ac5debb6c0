using System.Net;
using Inetkit.Exec;
using Inetkit.Protocol;

namespace Inetkit.Cli;

/// <summary>
/// What a config file can only be judged on as a whole, before anything is bound: each program found and its user
/// known, a port for every program, and no two services on one port and transport.
/// </summary>
internal static class ServeConfigChecks
{
    public static void Check(string path, ServeSettings settings, IReadOnlyDictionary<string, (int Line, int Column, Dictionary<string, (int Line, int Column)> At)> tables)
    {
        var taken = new List<(string Service, Transport Transport, IPAddress Address, int Port)>();
        int offset = settings.Server(o => o.PortOffset).Value;
        string[] serverBind = settings.Server(o => o.Bind).Value ?? [];
        foreach (ServiceSource service in settings.Services)
        {
            (int line, int column, Dictionary<string, (int Line, int Column)> at) = tables[service.Name];
            (int, int) Where(string key) => at.TryGetValue(key, out (int Line, int Column) p) ? p : (line, column);
            Setting<int?> port = settings.Service(service, o => o.Port);
            if (service.Kind == ServiceKind.Exec)
            {
                if (port.Value is null)
                {
                    throw new ServeConfigException(path, line, column, $"{service.Origin}: a program needs a port: port = 12345");
                }
                if (settings.Definition(service).Impairment is { IsNone: false })
                {
                    (int l, int c) = Where("impair");
                    throw new ServeConfigException(path, l, c, $"{service.Origin}: a program's traffic cannot be impaired (its socket is its own): put inetkit proxy --impair in front of it");
                }
                ExecProgram program = settings.Definition(service).Program!;
                try
                {
                    program.Validate();
                }
                catch (ArgumentException e)
                {
                    string key = e.Message.StartsWith("user", StringComparison.Ordinal) || e.Message.StartsWith("running", StringComparison.Ordinal) || e.Message.StartsWith("switching", StringComparison.Ordinal) ? "user"
                        : e.Message.StartsWith("group", StringComparison.Ordinal) ? "group"
                        : e.Message.StartsWith("working directory", StringComparison.Ordinal) ? "working-directory"
                        : "exec";
                    (int l, int c) = Where(key);
                    throw new ServeConfigException(path, l, c, $"{service.Origin}: {e.Message}");
                }
                catch (PlatformNotSupportedException e)
                {
                    throw new ServeConfigException(path, line, column, $"{service.Origin}: {e.Message}");
                }
            }
            int number = port.Value ?? WellKnownPorts.PortFor(service.Kind, offset);
            if (number == 0)
            {
                continue;
            }
            string[] bind = settings.Service(service, o => o.Bind).Value ?? serverBind;
            IPAddress[] addresses = bind.Length == 0 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [.. bind.SelectMany(b => ServeOptions.ParseBind(b)!)];
            Transport transports = settings.Definition(service).Transports ?? Transport.Both;
            foreach (Transport transport in new[] { Transport.Tcp, Transport.Udp }.Where(t => (transports & t) != 0))
            {
                foreach (IPAddress address in addresses)
                {
                    var clash = taken.FirstOrDefault(t => t.Transport == transport && t.Port == number && Overlap(t.Address, address));
                    if (clash.Service is not null)
                    {
                        (int l, int c) = Where("port");
                        throw new ServeConfigException(path, l, c, $"{service.Origin}: port {number}/{(transport == Transport.Tcp ? "tcp" : "udp")} on {address} is [service.{clash.Service}]'s too");
                    }
                    taken.Add((service.Name, transport, address, number));
                }
            }
        }
    }

    /// <summary>Two binds of one port collide if the addresses are the same, or one is the wildcard of the other's family.</summary>
    private static bool Overlap(IPAddress a, IPAddress b) =>
        a.Equals(b) || (a.AddressFamily == b.AddressFamily && (a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any) || b.Equals(IPAddress.Any) || b.Equals(IPAddress.IPv6Any)));
}
