using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Inetkit.Clients;
using Inetkit.Demo;
using Inetkit.Demo.Rendering;
using Inetkit.Scanning;

namespace Inetkit.Cli;

/// <summary>
/// <c>inetkit demo [EXAMPLE]</c>: the seed's exchanges run for real on loopback and drawn as sequence diagrams
/// (terminal, Mermaid, or the events as JSON). The exchange runs at full speed; the drawing is paced on its own
/// (<c>--step</c>, <c>--speed</c>), so that a class may pause without any socket timing out. With <c>--web</c>, a page
/// on loopback draws it instead (<see cref="DemoWebCommand"/>).
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliConsole console, ScanEnvironment environment, CancellationToken stop)
    {
        var example = new Argument<string?>("EXAMPLE") { Description = "The exchange to show; leave it out for the list", Arity = ArgumentArity.ZeroOrOne };
        var format = new Option<string>("--format") { Description = "text (a diagram, live), mermaid (a Mermaid sequenceDiagram) or json (the events)", DefaultValueFactory = _ => "text", HelpName = "FORMAT" };
        Ranges.OneOf(format, ["text", "mermaid", "json"]);
        var step = new Option<bool>("--step") { Description = "Wait for Enter before each event (for a class)" };
        var speed = new Option<double>("--speed") { Description = "Draw at this fraction of real time (0.1: ten times slower); 0: as fast as it comes", DefaultValueFactory = _ => 0, HelpName = "X" };
        speed.Validators.Add(r => Ranges.Require<double>(r, 0, 1000, "--speed"));
        var server = new Option<string?>("--server") { Description = "Run only the client side, against this server (a student's own): loopback, or a host the --scope authorizes", HelpName = "HOST:PORT" };
        var wire = new Option<bool>("--wire") { Description = "Show the packets beneath the calls, captured on the loopback interface (root or CAP_NET_RAW)" };
        var scope = new Option<FileInfo?>("--scope") { Description = "The signed-off scope, as for scan; needed for a --server beyond loopback", HelpName = "FILE" };
        var auditLog = new Option<string?>("--audit-log") { Description = $"Where a --server beyond loopback is recorded (default {environment.AuditLogPath})", HelpName = "FILE" };
        var web = new Option<bool>("--web") { Description = "Serve a page on loopback that draws the exchange as it runs (pick, play, step, impair); until Ctrl+C" };
        var listen = new Option<string?>("--listen") { Description = "With --web: where the page is served, on loopback (default 127.0.0.1:0, a free port)", HelpName = "ADDR:PORT" };
        var command = new Command("demo", "See it happen: the seed's exchanges on real sockets, drawn as sequence diagrams.") { example, format, step, speed, wire, server, scope, auditLog, web, listen };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            try
            {
                string? name = parsed.GetValue(example);
                if (parsed.GetValue(web))
                {
                    DemoWebCommand.Refuse(parsed, format, step, speed, server, scope);
                    DemoExample? preselected = name is null ? null : Find(name);
                    return await DemoWebCommand.ServeAsync(DemoWebCommand.ParseListen(parsed.GetValue(listen)), preselected, console, stop);
                }
                if (parsed.GetValue(listen) is { } listenText)
                {
                    throw new DemoInputException($"--listen {listenText} is where --web serves its page; add --web");
                }
                if (name is null)
                {
                    int width = DemoCatalog.All.Max(e => e.Name.Length);
                    foreach (DemoExample e in DemoCatalog.All)
                    {
                        await console.Out.WriteLineAsync($"{e.Name.PadRight(width)}  {e.Summary}");
                    }
                    return ExitCodes.Success;
                }
                DemoExample chosen = Find(name);
                IPEndPoint? target = null;
                if (parsed.GetValue(server) is { } serverText)
                {
                    if (!chosen.TakesServer)
                    {
                        throw new DemoInputException($"demo {chosen.Name} runs both sides itself; --server is for the examples with a server to replace");
                    }
                    (string host, int? port) = Split(serverText);
                    if (port is null)
                    {
                        throw new DemoInputException($"--server {serverText}: give the server's port too (HOST:PORT)");
                    }
                    string ports = chosen.Name.StartsWith("udp", StringComparison.Ordinal) ? $"U:{port}" : $"T:{port}";
                    IPAddress[] addresses = await TrafficGate.AuthorizeAsync(
                        [host], parsed.GetValue(scope)?.FullName, environment, "sending to", "demo", parsed.GetValue(auditLog) ?? environment.AuditLogPath,
                        [serverText], ports, m => new DemoInputException($"--server: {m}"), cancellationToken);
                    target = new IPEndPoint(addresses[0], port.Value);
                    environment.OnScanStarting?.Invoke();
                }
                Demo.Wire.LoopbackCapture? capture = null;
                if (parsed.GetValue(wire) && !Demo.Wire.LoopbackCapture.TryOpen([], out capture, out string whyNot))
                {
                    await console.Error.WriteLineAsync($"inetkit: demo: {whyNot}");
                }
                await using Demo.Wire.LoopbackCapture? wireInUse = capture;
                return await RunAsync(chosen, target, parsed.GetValue(format)!, parsed.GetValue(step), parsed.GetValue(speed), capture, console, cancellationToken);
            }
            catch (UnauthorizedScanException e)
            {
                await console.Error.WriteLineAsync($"inetkit: demo refused: {e.Message}");
                return ExitCodes.Refused;
            }
            catch (ScopeException e)
            {
                await console.Error.WriteLineAsync($"inetkit: demo refused: {e.Message}. {ScanAuthorization.Warning}");
                return ExitCodes.Refused;
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, console.Error);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(DemoExample example, IPEndPoint? server, string format, bool step, double speed, Demo.Wire.LoopbackCapture? wire, CliConsole console, CancellationToken cancellationToken)
    {
        var live = Channel.CreateUnbounded<DemoEvent>(new UnboundedChannelOptions { SingleReader = true });
        var recorder = new DemoRecorder(TimeProvider.System, format == "text" ? e => live.Writer.TryWrite(e) : null) { Wire = wire };
        Task drawing = Task.CompletedTask;
        if (format == "text")
        {
            var diagram = new TerminalDiagram(console.Out, console.OutIsTerminal ? SafeWidth() : 110, console.Colour);
            diagram.Begin(example, server is null ? null : $"(only the client runs, against {server})");
            drawing = DrawAsync(diagram, live.Reader, step, speed, console, cancellationToken);
        }
        Exception? failure = null;
        try
        {
            await example.RunAsync(new DemoContext(recorder, server), cancellationToken);
        }
        catch (ClientException e)
        {
            // A server of the user's own that does not answer is part of what the demo shows; it ends the exchange.
            failure = e;
            recorder.Print(DemoLane.Client, e.Message);
        }
        await recorder.DrainWireAsync(cancellationToken);
        live.Writer.TryComplete();
        await drawing;
        if (format == "mermaid")
        {
            await console.Out.WriteAsync(MermaidDiagram.Render(example, recorder.Events));
        }
        else if (format == "json")
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                DemoJson.Write(json, example, recorder.Events);
            }
            await console.Out.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        }
        return failure is ClientException { Failure: var f } ? f switch
        {
            ClientFailure.Unreachable => ExitCodes.Unreachable,
            ClientFailure.Timeout => ExitCodes.Timeout,
            ClientFailure.WrongData => ExitCodes.WrongData,
            _ => ExitCodes.Failure,
        } : ExitCodes.Success;
    }

    /// <summary>
    /// A call still waiting after this long, with nothing else drawn meanwhile, is drawn as waiting: the seed's
    /// recvfrom under settimeout(3) is the lesson of its example, and should not show only once it has failed.
    /// </summary>
    private static readonly TimeSpan ShowWaitingAfter = TimeSpan.FromMilliseconds(250);

    private static async Task DrawAsync(TerminalDiagram diagram, ChannelReader<DemoEvent> events, bool step, double speed, CliConsole console, CancellationToken cancellationToken)
    {
        TimeSpan previous = TimeSpan.Zero;
        while (true)
        {
            Task<bool> more = events.WaitToReadAsync(cancellationToken).AsTask();
            using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                Task pause = Task.Delay(ShowWaitingAfter, quiet.Token);
                if (await Task.WhenAny(more, pause) == pause && !pause.IsCanceled)
                {
                    diagram.End();
                }
                await quiet.CancelAsync();
            }
            if (!await more)
            {
                break;
            }
            while (events.TryRead(out DemoEvent? e))
            {
                if (step)
                {
                    await console.In.ReadLineAsync(cancellationToken);
                }
                else if (speed > 0 && e.At > previous)
                {
                    await Task.Delay((e.At - previous) / speed, cancellationToken);
                }
                previous = e.At;
                diagram.Write(e);
            }
        }
        diagram.End();
    }

    private static DemoExample Find(string name) => DemoCatalog.Find(name)
        ?? throw new DemoInputException($"demo {name}: no such example; 'inetkit demo' lists them ({string.Join(", ", DemoCatalog.All.Select(e => e.Name))})");

    private static (string Host, int? Port) Split(string text)
    {
        try
        {
            return ServiceAddress.Split(text);
        }
        catch (FormatException e)
        {
            throw new DemoInputException($"--server: {e.Message}");
        }
    }

    private static int SafeWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 110;
        }
        catch (IOException)
        {
            return 110;
        }
    }
}

/// <summary>A demo asked for what cannot be (exit 2).</summary>
internal sealed class DemoInputException(string message) : InputException("demo", message);
