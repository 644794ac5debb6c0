using System.CommandLine;
using System.Text;
using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Cli;

/// <summary>
/// <c>inetkit echo HOST [MESSAGE]</c>: one message; lines from stdin (the seed's Example #2 client); or, with
/// --count/--interval/--size/--flood, a ping-like measurement of loss, duplication, reordering and round trips.
/// </summary>
internal static class EchoCommand
{
    public static Command Create(CliConsole console)
    {
        var args = new ClientArguments(ServiceKind.Echo);
        var message = new Argument<string?>("MESSAGE") { Description = "Text to send once; without it, each line of stdin is sent", Arity = ArgumentArity.ZeroOrOne };
        var count = new Option<int?>("--count") { Description = "Measure: probes to send (default: until Ctrl+C)", HelpName = "N" };
        count.Validators.Add(r => Ranges.Require<int>(r, 1, int.MaxValue, "--count"));
        var interval = new Option<double?>("--interval") { Description = "Measure: seconds between probes (default 1)", HelpName = "SECONDS" };
        interval.Validators.Add(r => Ranges.Require<double>(r, 0.0001, 3600, "--interval"));
        var size = new Option<int?>("--size") { Description = $"Measure: bytes per probe, {EchoMeasurement.MinSize} or more (default 64; UDP at most 65,507 over IPv4)", HelpName = "BYTES" };
        size.Validators.Add(r => Ranges.Require<int>(r, EchoMeasurement.MinSize, 16 * 1024 * 1024, "--size"));
        var flood = new Option<bool>("--flood") { Description = "Measure: send each probe as soon as the last is answered" };
        var quiet = new Option<bool>("--quiet") { Description = "Measure: only the summary" };
        Command command = args.AddTo(new Command("echo", "Send to an echo server (RFC 862) and check what comes back; measure loss, duplicates, reordering and round trips with --count."));
        command.Arguments.Add(message);
        foreach (Option option in new Option[] { count, interval, size, flood, quiet })
        {
            command.Options.Add(option);
        }
        command.Validators.Add(Ranges.Guarded(result =>
        {
            bool measuring = IsMeasurement(result.GetValue(count), result.GetValue(interval), result.GetValue(size), result.GetValue(flood));
            if (measuring && result.GetValue(message) is not null)
            {
                result.AddError("MESSAGE cannot go with --count, --interval, --size or --flood: a measurement sends its own probes");
            }
            if (result.GetValue(size) is > EchoClient.MaxUdpPayloadIPv6 && result.GetValue(args.Udp))
            {
                result.AddError($"--size {result.GetValue(size):N0} is more than a UDP datagram can carry ({EchoClient.MaxUdpPayloadIPv4:N0} bytes over IPv4, {EchoClient.MaxUdpPayloadIPv6:N0} over IPv6)");
            }
        }));
        command.SetAction((parsed, ct) => ClientCommand.RunAsync(console, async () =>
        {
            ClientOptions options = args.Options(parsed, console.Error);
            var client = new EchoClient(args.Address(parsed), options);
            bool json = parsed.GetValue(args.Json);
            if (IsMeasurement(parsed.GetValue(count), parsed.GetValue(interval), parsed.GetValue(size), parsed.GetValue(flood)))
            {
                var measurement = new EchoMeasurement
                {
                    Count = parsed.GetValue(count),
                    Interval = TimeSpan.FromSeconds(parsed.GetValue(interval) ?? 1),
                    Size = parsed.GetValue(size) ?? 64,
                    Flood = parsed.GetValue(flood),
                };
                await MeasureAsync(console, client, args.Address(parsed), measurement, options, json, parsed.GetValue(quiet) || json, ct);
            }
            else if (parsed.GetValue(message) is { } text)
            {
                EchoReply reply = await client.SendAsync(Encoding.UTF8.GetBytes(text), ct);
                Print(console, reply, options, json);
            }
            else
            {
                await EchoLinesAsync(console, client, options, json, ct);
            }
        }));
        return command;
    }

    /// <summary>Any of the measurement options turns echo into a ping-like measurement.</summary>
    private static bool IsMeasurement(int? count, double? interval, int? size, bool flood) => count is not null || interval is not null || size is not null || flood;

    /// <summary>The seed's Example #2 client: each line typed (or piped) is sent and its echo printed.</summary>
    private static async Task EchoLinesAsync(CliConsole console, EchoClient client, ClientOptions options, bool json, CancellationToken cancellationToken)
    {
        await using EchoSession session = await client.OpenAsync(cancellationToken);
        while (true)
        {
            if (console.InIsTerminal)
            {
                await console.Error.WriteAsync("Text to send: ");
            }
            string? line = await console.In.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                return;
            }
            // UDP sends the line as the seed does (one datagram, no newline); TCP keeps the newline, as a stream of lines.
            byte[] data = Encoding.UTF8.GetBytes(options.Transport == Transport.Udp ? line : line + "\n");
            Print(console, await session.ExchangeAsync(data, cancellationToken), options, json);
        }
    }

    private static void Print(CliConsole console, EchoReply reply, ClientOptions options, bool json)
    {
        string text = Encoding.UTF8.GetString(reply.Data);
        if (json)
        {
            JsonOut.Write(console.Out, w =>
            {
                ClientCommand.Common(w, reply.Server, options, reply.Data.Length);
                w.Number("rtt_ms", reply.RoundTrip.TotalMilliseconds);
                w.WriteString("reply", text);
            });
            return;
        }
        console.Out.WriteLine(text.TrimEnd('\n'));
    }

    private static async Task MeasureAsync(CliConsole console, EchoClient client, ServiceAddress target, EchoMeasurement measurement, ClientOptions options, bool json, bool quiet, CancellationToken cancellationToken)
    {
        string name = $"echo/{ClientArguments.TransportName(options)}";
        Action<EchoProbeResult>? onProbe = quiet ? null : probe => console.Out.WriteLine(Describe(probe, options.Timeout));
        if (!quiet)
        {
            await console.Out.WriteLineAsync($"ECHO {target} ({name}): {measurement.Size}-byte probes, {(measurement.Flood ? "flood" : $"every {measurement.Interval.TotalSeconds:0.###} s")}, timeout {options.Timeout.TotalSeconds:0.###} s");
        }
        EchoStatistics stats = await client.MeasureAsync(measurement, onProbe, cancellationToken);
        if (json)
        {
            WriteJson(console, stats, options, measurement);
        }
        else
        {
            WriteSummary(console, stats, name);
        }
        if (stats.Sent > 0 && stats.Received == 0 && stats.Corrupted == 0)
        {
            throw new ClientException(ClientFailure.Timeout, $"no reply to any of {stats.Sent:N0} probes within {options.Timeout.TotalSeconds:0.###} s: No connection!");
        }
        if (stats.Corrupted > 0)
        {
            throw new ClientException(ClientFailure.WrongData, $"{stats.Corrupted:N0} of {stats.Sent:N0} replies were corrupted");
        }
    }

    private static string Describe(EchoProbeResult probe, TimeSpan timeout) => probe.Outcome switch
    {
        ProbeOutcome.Lost => $"no reply to seq={probe.Sequence} within {timeout.TotalSeconds:0.###} s",
        ProbeOutcome.Late => $"{probe.Bytes} bytes: seq={probe.Sequence} late (already counted lost)",
        ProbeOutcome.Duplicate => $"{probe.Bytes} bytes: seq={probe.Sequence} (DUP!)",
        ProbeOutcome.Corrupted => $"{probe.Bytes} bytes: seq={probe.Sequence} CORRUPTED",
        ProbeOutcome.Reordered => $"{probe.Bytes} bytes: seq={probe.Sequence} time={probe.RoundTripMs:0.000} ms (out of order)",
        _ => $"{probe.Bytes} bytes: seq={probe.Sequence} time={probe.RoundTripMs:0.000} ms",
    };

    private static void WriteSummary(CliConsole console, EchoStatistics s, string name)
    {
        console.Out.WriteLine($"--- {s.Server} {name} statistics ---");
        console.Out.WriteLine($"{s.Sent:N0} sent, {s.Received:N0} received, {s.LossPercent:0.#}% loss, {s.Duplicates:N0} duplicates, {s.Reordered:N0} reordered, {s.Corrupted:N0} corrupted, {s.Late:N0} late");
        if (s.RoundTrip is { } r)
        {
            console.Out.WriteLine($"rtt min/avg/max/mdev = {r.Min:0.000}/{r.Avg:0.000}/{r.Max:0.000}/{r.Mdev:0.000} ms, p50/p90/p99 = {r.P50:0.000}/{r.P90:0.000}/{r.P99:0.000} ms");
        }
    }

    private static void WriteJson(CliConsole console, EchoStatistics s, ClientOptions options, EchoMeasurement measurement) => JsonOut.Write(console.Out, w =>
    {
        w.WriteNumber("sent", s.Sent);
        w.WriteNumber("received", s.Received);
        w.WriteNumber("lost", s.Lost);
        w.WriteNumber("duplicates", s.Duplicates);
        w.WriteNumber("reordered", s.Reordered);
        w.WriteNumber("corrupted", s.Corrupted);
        w.WriteNumber("late", s.Late);
        if (s.RoundTrip is { } r)
        {
            w.WriteStartObject("rtt_ms");
            w.Number("min", r.Min);
            w.Number("avg", r.Avg);
            w.Number("max", r.Max);
            w.Number("mdev", r.Mdev);
            w.Number("p50", r.P50);
            w.Number("p90", r.P90);
            w.Number("p99", r.P99);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("rtt_ms");
        }
        w.Number("loss_pct", s.LossPercent);
        w.WriteString("server", s.Server.ToString());
        w.WriteString("transport", ClientArguments.TransportName(options));
        w.WriteNumber("size", measurement.Size);
    });
}
