using System.CommandLine;
using System.Text.Json;
using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Cli;

/// <summary><c>inetkit qotd|daytime|time HOST</c>: one request, one answer, printed as received.</summary>
internal static class OneShotCommands
{
    public static Command Qotd(CliConsole console)
    {
        var args = new ClientArguments(ServiceKind.Qotd);
        var chunk = new Option<int>("--chunk-size")
        {
            Description = "Bytes per recv over TCP (with --trace and 4, the seed's growing message)",
            DefaultValueFactory = _ => 4096,
            HelpName = "BYTES",
        };
        chunk.Validators.Add(r => Ranges.Require<int>(r, 1, 1 << 20, "--chunk-size"));
        var command = args.AddTo(new Command("qotd", "Ask a quote-of-the-day server (RFC 865) for a quote: TCP reads until the server closes."));
        command.Options.Add(chunk);
        command.SetAction((parsed, ct) => ClientCommand.RunAsync(console, async () =>
        {
            ClientOptions options = args.Options(parsed, console.Error);
            QotdResult result = await new QotdClient(args.Address(parsed), options).GetAsync(parsed.GetValue(chunk), ct);
            if (parsed.GetValue(args.Json))
            {
                JsonOut.Write(console.Out, w => ClientCommand.Common(w, result.Server, options, result.Quote.Length).WriteString("quote", result.Text));
            }
            else
            {
                await ClientCommand.WriteTextAsync(console.Out, result.Text);
            }
        }));
        return command;
    }

    public static Command Daytime(CliConsole console)
    {
        var args = new ClientArguments(ServiceKind.Daytime);
        var command = args.AddTo(new Command("daytime", "Ask a daytime server (RFC 867) for the date and time, printed as received."));
        command.SetAction((parsed, ct) => ClientCommand.RunAsync(console, async () =>
        {
            ClientOptions options = args.Options(parsed, console.Error);
            DaytimeResult result = await new DaytimeClient(args.Address(parsed), options).GetAsync(ct);
            if (parsed.GetValue(args.Json))
            {
                JsonOut.Write(console.Out, w => ClientCommand.Common(w, result.Server, options, result.Reply.Length).WriteString("line", result.Line));
            }
            else
            {
                await console.Out.WriteLineAsync(result.Line);
            }
        }));
        return command;
    }

    public static Command Time(CliConsole console)
    {
        var args = new ClientArguments(ServiceKind.Time);
        var command = args.AddTo(new Command("time", "Ask a time server (RFC 868) for the time; prints it in ISO 8601 UTC and how far the local clock is from it, like rdate -p."));
        command.SetAction((parsed, ct) => ClientCommand.RunAsync(console, async () =>
        {
            ClientOptions options = args.Options(parsed, console.Error);
            TimeResult result = await new TimeClient(args.Address(parsed), options).GetAsync(ct);
            string iso = result.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            if (parsed.GetValue(args.Json))
            {
                JsonOut.Write(console.Out, w =>
                {
                    ClientCommand.Common(w, result.Server, options, 4);
                    w.WriteNumber("seconds", result.Seconds);
                    w.WriteString("time", iso);
                    w.Number("local_offset_s", result.LocalOffset.TotalSeconds);
                });
            }
            else
            {
                double offset = result.LocalOffset.TotalSeconds;
                string clock = Math.Abs(offset) < 1 ? "the local clock agrees (within 1 s, the protocol's resolution)" : $"the local clock is {Math.Abs(offset):N1} s {(offset > 0 ? "ahead" : "behind")}";
                await console.Out.WriteLineAsync($"{iso}  ({result.Server}; {clock})");
            }
        }));
        return command;
    }
}
