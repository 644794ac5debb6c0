using System.CommandLine;
using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Cli;

/// <summary><c>inetkit chargen|discard HOST</c>: throughput over TCP, one exchange (or a burst) over UDP.</summary>
internal static class ThroughputCommands
{
    public static Command Chargen(CliConsole console)
    {
        var args = new ClientArguments(ServiceKind.Chargen);
        var (bytes, duration) = LimitOptions("receive");
        var command = args.AddTo(new Command("chargen", "Receive from a character generator (RFC 864), check every byte against the pattern, report MB/s; UDP: one request, one checked reply."));
        command.Options.Add(bytes);
        command.Options.Add(duration);
        command.SetAction((parsed, ct) => ClientCommand.RunAsync(console, async () =>
        {
            ClientOptions options = args.Options(parsed, console.Error);
            var progress = new ProgressLine(console, "received");
            ChargenResult result = await new ChargenClient(args.Address(parsed), options).ReceiveAsync(Limit(parsed, bytes, duration), progress.Callback, ct);
            progress.Clear();
            ThroughputResult t = result.Throughput;
            string where = result.StartOffset is { } offset ? $"from line {offset / ChargenPattern.LineLength}, column {offset % ChargenPattern.LineLength}" : "too short to place";
            if (parsed.GetValue(args.Json))
            {
                JsonOut.Write(console.Out, w =>
                {
                    ClientCommand.Common(w, t.Server, options, t.Bytes);
                    w.Number("seconds", t.Elapsed.TotalSeconds);
                    w.Number("mb_per_s", t.MegabytesPerSecond);
                    w.WriteBoolean("pattern_ok", true);
                    if (result.StartOffset is { } start)
                    {
                        w.WriteNumber("start_offset", start);
                    }
                });
                return;
            }
            if (result.Datagram is { } datagram)
            {
                await ClientCommand.WriteTextAsync(console.Out, System.Text.Encoding.ASCII.GetString(datagram));
                await console.Out.WriteLineAsync($"{datagram.Length} characters from {t.Server}, the RFC 864 pattern intact ({where})");
                return;
            }
            await console.Out.WriteLineAsync($"received {t.Bytes:N0} bytes from {t.Server} in {t.Elapsed.TotalSeconds:N2} s: {t.MegabytesPerSecond:N1} MB/s; the RFC 864 pattern intact ({where})");
        }));
        return command;
    }

    public static Command Discard(CliConsole console)
    {
        var args = new ClientArguments(ServiceKind.Discard);
        var (bytes, duration) = LimitOptions("send");
        var count = new Option<int>("--count") { Description = "UDP: datagrams to send", DefaultValueFactory = _ => 10, HelpName = "N" };
        count.Validators.Add(r => Ranges.Require<int>(r, 1, 100_000_000, "--count"));
        var size = new Option<int>("--size") { Description = "UDP: bytes per datagram", DefaultValueFactory = _ => 64, HelpName = "BYTES" };
        size.Validators.Add(r => Ranges.Require<int>(r, 0, EchoClient.MaxUdpPayloadIPv4, "--size"));
        var command = args.AddTo(new Command("discard", "Send to a discard server (RFC 863) and report MB/s; TCP waits for the server's close, which proves it read everything."));
        foreach (Option option in new Option[] { bytes, duration, count, size })
        {
            command.Options.Add(option);
        }
        command.SetAction((parsed, ct) => ClientCommand.RunAsync(console, async () =>
        {
            ClientOptions options = args.Options(parsed, console.Error);
            var client = new DiscardClient(args.Address(parsed), options);
            bool udp = options.Transport == Transport.Udp;
            var progress = new ProgressLine(console, "sent");
            ThroughputResult t = udp
                ? await client.SendDatagramsAsync(parsed.GetValue(count), parsed.GetValue(size), ct)
                : await client.SendAsync(Limit(parsed, bytes, duration), progress.Callback, ct);
            progress.Clear();
            if (parsed.GetValue(args.Json))
            {
                JsonOut.Write(console.Out, w =>
                {
                    ClientCommand.Common(w, t.Server, options, t.Bytes);
                    w.Number("seconds", t.Elapsed.TotalSeconds);
                    w.Number("mb_per_s", t.MegabytesPerSecond);
                    if (udp)
                    {
                        w.WriteNumber("datagrams", parsed.GetValue(count));
                    }
                });
                return;
            }
            await console.Out.WriteLineAsync(udp
                ? $"sent {parsed.GetValue(count):N0} datagrams ({t.Bytes:N0} bytes) to {t.Server}; UDP confirms nothing, and a discard server never answers"
                : $"sent {t.Bytes:N0} bytes to {t.Server} in {t.Elapsed.TotalSeconds:N2} s: {t.MegabytesPerSecond:N1} MB/s; the server read it all and closed");
        }));
        return command;
    }

    private static (Option<long?> Bytes, Option<double?> Duration) LimitOptions(string verb)
    {
        var bytes = new Option<long?>("--bytes") { Description = $"Stop after this many bytes ({verb} for 5 s when neither limit is given)", HelpName = "N" };
        bytes.Validators.Add(r => Ranges.Require<long>(r, 1, long.MaxValue, "--bytes"));
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds", HelpName = "SECONDS" };
        duration.Validators.Add(r => Ranges.Require<double>(r, 0.001, 86_400, "--duration"));
        return (bytes, duration);
    }

    private static ThroughputLimit Limit(ParseResult parsed, Option<long?> bytes, Option<double?> duration)
    {
        long? count = parsed.GetValue(bytes);
        double? seconds = parsed.GetValue(duration);
        return count is null && seconds is null
            ? ThroughputLimit.Default
            : new ThroughputLimit(count, seconds is { } s ? TimeSpan.FromSeconds(s) : null);
    }
}
