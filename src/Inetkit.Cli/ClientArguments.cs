using System.CommandLine;
using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Cli;

/// <summary>What every client command takes: HOST[:PORT], --port, --port-offset, --tcp/--udp, --timeout, --trace, --json.</summary>
internal sealed class ClientArguments
{
    private readonly ServiceKind _service;

    public ClientArguments(ServiceKind service, bool bothTransports = true)
    {
        _service = service;
        Target = new Argument<string>("HOST[:PORT]") { Description = $"Server: 127.0.0.1, [::1]:10007, a host name (default port {WellKnownPorts.PortFor(service)})" };
        Port = new Option<int?>("--port") { Description = "Port (wins over HOST:PORT)", HelpName = "N" };
        Port.Validators.Add(r => Ranges.Require<int>(r, 1, 65535, "--port"));
        Offset = new Option<int>("--port-offset")
        {
            Description = "Added to the well-known port when no port is given, as serve does (0: the real port)",
            DefaultValueFactory = _ => WellKnownPorts.DefaultOffset,
            HelpName = "N",
        };
        Offset.Validators.Add(r => Ranges.Require<int>(r, 0, WellKnownPorts.MaxOffset, "--port-offset"));
        Tcp = new Option<bool>("--tcp") { Description = "Over TCP (the default)" };
        Udp = new Option<bool>("--udp") { Description = "Over UDP" };
        Timeout = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for the connection and for each reply",
            DefaultValueFactory = _ => 5,
            HelpName = "SECONDS",
        };
        Timeout.Validators.Add(r => Ranges.Require<double>(r, 0.001, 86_400, "--timeout"));
        Trace = new Option<bool>("--trace") { Description = "Print every socket call on stderr, in the words serve --trace uses" };
        Json = new Option<bool>("--json") { Description = "Print one JSON object with the result, for scripts" };
        BothTransports = bothTransports;
    }

    public Argument<string> Target { get; }

    public Option<int?> Port { get; }

    public Option<int> Offset { get; }

    public Option<bool> Tcp { get; }

    public Option<bool> Udp { get; }

    public Option<double> Timeout { get; }

    public Option<bool> Trace { get; }

    public Option<bool> Json { get; }

    private bool BothTransports { get; }

    public Command AddTo(Command command)
    {
        command.Arguments.Add(Target);
        foreach (Option option in new Option[] { Port, Offset, Tcp, Udp, Timeout, Trace, Json })
        {
            command.Options.Add(option);
        }
        command.Validators.Add(Ranges.Guarded(result =>
        {
            if (result.GetValue(Tcp) && result.GetValue(Udp))
            {
                result.AddError("choose one of --tcp or --udp");
            }
            string? target = result.GetValue(Target);
            int? port = result.GetValue(Port);
            if (string.IsNullOrEmpty(target) || port is < 1 or > 65535)
            {
                // Missing, or a port the option's own check has refused: the parser reports those.
                return;
            }
            try
            {
                ServiceAddress.Parse(target, _service, port, result.GetValue(Offset));
            }
            catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException)
            {
                result.AddError(e.Message);
            }
        }));
        return command;
    }

    public ServiceAddress Address(ParseResult parsed) =>
        ServiceAddress.Parse(parsed.GetValue(Target)!, _service, parsed.GetValue(Port), parsed.GetValue(Offset));

    public ClientOptions Options(ParseResult parsed, TextWriter error) => new()
    {
        Transport = parsed.GetValue(Udp) && BothTransports ? Transport.Udp : Transport.Tcp,
        Timeout = TimeSpan.FromSeconds(parsed.GetValue(Timeout)),
        Trace = parsed.GetValue(Trace) ? line => error.WriteLine(line) : null,
    };

    public static string TransportName(ClientOptions options) => options.Transport == Transport.Udp ? "udp" : "tcp";
}
