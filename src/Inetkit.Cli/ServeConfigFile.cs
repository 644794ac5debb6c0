using System.CommandLine;
using System.Globalization;
using Inetkit.Protocol;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Inetkit.Cli;

/// <summary>
/// <c>serve --config FILE</c>: a TOML file of <c>[defaults]</c> (any serve option, for every service) and
/// <c>[service.NAME]</c> tables (a built-in by its name or by <c>builtin = "echo"</c>, any other name a program by
/// <c>exec = [...]</c>). Each key is the command-line option of that name without <c>--</c>, read by that very
/// option (the value becomes the option's tokens), so a key means exactly what its option means and is checked
/// by the same rules; an error names the file, line and column of the key.
/// </summary>
internal static class ServeConfigFile
{
    /// <summary>Keys that are about the whole server, not one service: in <c>[defaults]</c> only.</summary>
    private static readonly HashSet<string> ServerOnly =
        ["port-offset", "once", "quotes", "daytime-format", "grace", "udp-receive-loops", "trace", "verbose", "log-format", "log-connections", "metrics"];

    /// <summary>Keys that are about one service: in its table only.</summary>
    private static readonly HashSet<string> ServiceOnly = ["port", "exec", "builtin"];

    private sealed record Table(string Header, int Line, int Column, List<string> Tokens, Dictionary<string, string> Where, Dictionary<string, (int Line, int Column)> At)
    {
        public IReadOnlyList<string>? Exec { get; set; }

        public string? BuiltIn { get; set; }
    }

    /// <summary>Reads the file into serve's settings, the command line above it.</summary>
    /// <exception cref="ServeConfigException">The file cannot be read, is not TOML, or says something serve cannot do.</exception>
    public static ServeSettings Load(string path, ServeLayer commandLine)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ServeConfigException(path, 0, 0, $"cannot read the config file: {e.Message}");
        }
        DocumentSyntax document = SyntaxParser.Parse(text, path, validate: true);
        if (document.Diagnostics.FirstOrDefault(d => d.Kind == DiagnosticMessageKind.Error) is { } problem)
        {
            throw Error(path, problem.Span.Start, problem.Message);
        }
        if (document.KeyValues.FirstOrDefault() is { } loose)
        {
            throw Error(path, loose.Span.Start, $"'{KeyText(loose.Key!)}' is outside any table: put it under [defaults] or a [service.NAME] table");
        }
        Table? defaults = null;
        var services = new List<(string Name, Table Table)>();
        foreach (TableSyntaxBase table in document.Tables)
        {
            if (table is TableArraySyntax)
            {
                throw Error(path, table.Span.Start, $"[[{table.Name}]]: the file has [defaults] and [service.NAME] tables, not arrays of tables");
            }
            List<string> name = NameParts(table.Name!);
            Table read = Read(path, table, defaults: name is ["defaults"]);
            switch (name)
            {
                case ["defaults"]:
                    defaults = read;
                    break;
                case ["service", string service]:
                    services.Add((service, read));
                    break;
                case ["service"]:
                    throw Error(path, table.Span.Start, "[service] needs a name: [service.echo], [service.my-program]");
                default:
                    throw Error(path, table.Span.Start, $"unknown table [{string.Join('.', name)}]; the file has [defaults] and [service.NAME] tables");
            }
        }
        if (services.Count == 0)
        {
            throw new ServeConfigException(path, 1, 1, "no services: add a [service.NAME] table (docs/superserver.md)");
        }
        ServeLayer? defaultsLayer = defaults is null ? null : Layer(path, defaults);
        var sources = new List<ServiceSource>();
        foreach ((string name, Table table) in services)
        {
            sources.Add(Source(path, name, table, Layer(path, table)));
        }
        var settings = new ServeSettings(commandLine, defaultsLayer, sources);
        ServeConfigChecks.Check(path, settings, services.ToDictionary(s => s.Name, s => (s.Table.Line, s.Table.Column, s.Table.At)));
        return settings;
    }

    private static ServiceSource Source(string path, string name, Table table, ServeLayer layer)
    {
        string origin = $"[service.{name}]";
        if (table.Exec is not null && table.BuiltIn is not null)
        {
            throw new ServeConfigException(path, table.Line, table.Column, $"{origin} has both exec and builtin: a service is one or the other");
        }
        if (table.Exec is { } argv)
        {
            if (WellKnownPorts.TryParse(name, out ServiceKind named) && named != ServiceKind.Exec && WellKnownPorts.Name(named) == name)
            {
                throw new ServeConfigException(path, table.Line, table.Column, $"{origin} is the built-in {name}'s name; give the program another name");
            }
            return new ServiceSource(name, ServiceKind.Exec, argv, layer, origin);
        }
        string builtIn = table.BuiltIn ?? name;
        if (!WellKnownPorts.TryParse(builtIn, out ServiceKind kind) || kind == ServiceKind.Exec || WellKnownPorts.Name(kind) != builtIn)
        {
            (int line, int column) = table.BuiltIn is null ? (table.Line, table.Column) : table.At["builtin"];
            throw new ServeConfigException(path, line, column, table.BuiltIn is null
                ? $"{origin}: '{name}' is not a built-in (echo, discard, daytime, qotd, chargen, time): give it exec = [\"/path/to/program\", \"arg\"...] or builtin = \"echo\""
                : $"builtin = \"{builtIn}\": not a built-in (echo, discard, daytime, qotd, chargen, time)");
        }
        return new ServiceSource(name, kind, null, layer, origin);
    }

    private static Table Read(string path, TableSyntaxBase syntax, bool defaults)
    {
        string header = defaults ? "[defaults]" : $"[service.{NameParts(syntax.Name!)[^1]}]";
        var table = new Table(header, syntax.Span.Start.Line + 1, syntax.Span.Start.Column + 1, [], [], []);
        var options = new ServeOptions();
        foreach (KeyValueSyntax item in syntax.Items)
        {
            KeySyntax keySyntax = item.Key!;
            if (keySyntax.DotKeys.ChildrenCount > 0)
            {
                throw Error(path, item.Span.Start, $"{header}: dotted key '{keySyntax.ToString().Trim()}': keys are plain names such as max-connections");
            }
            string key = KeyText(keySyntax);
            TextPosition at = item.Span.Start;
            table.Where[key] = $"{path}:{at.Line + 1}:{at.Column + 1}";
            table.At[key] = (at.Line + 1, at.Column + 1);
            ValueSyntax value = item.Value!;
            if (defaults && ServiceOnly.Contains(key))
            {
                throw Error(path, at, $"'{key}' belongs in a service's table ([service.NAME]), not in [defaults]");
            }
            if (!defaults && ServerOnly.Contains(key))
            {
                throw Error(path, at, $"'{key}' is about the whole server: put it in [defaults]");
            }
            if (key is "name" or "config" or "check")
            {
                throw Error(path, at, key == "name" ? $"{header}: a service's name is its table's: [service.NAME]" : $"'{key}' is a command-line option, not a key");
            }
            if (key == "exec")
            {
                table.Exec = Strings(path, key, value) is { Count: > 0 } argv ? argv : throw Error(path, value.Span.Start, "exec = [...] needs the program and its arguments: exec = [\"/usr/bin/python3\", \"/srv/qotd.py\"]");
                continue;
            }
            if (key == "builtin")
            {
                table.BuiltIn = value is StringValueSyntax s ? s.Value ?? "" : throw Error(path, value.Span.Start, "builtin must be a string: builtin = \"echo\"");
                continue;
            }
            Option option = options.All.FirstOrDefault(o => o.Name == "--" + key)
                ?? throw Error(path, at, $"unknown key '{key}' (the keys are serve's options without --: inetkit serve --help)");
            List<string> tokens = Tokens(path, key, option, value);
            // Each key alone, so that an error points at it.
            var single = new ServeOptions();
            var command = new Command("serve");
            foreach (Option o in single.All)
            {
                command.Options.Add(o);
            }
            ParseResult parsed = command.Parse(tokens);
            if (parsed.Errors.Count > 0)
            {
                string message = parsed.Errors[0].Message;
                throw Error(path, value.Span.Start, message.StartsWith("--" + key, StringComparison.Ordinal) ? message : $"{key}: {message}");
            }
            table.Tokens.AddRange(tokens);
        }
        return table;
    }

    private static ServeLayer Layer(string path, Table table)
    {
        var options = new ServeOptions();
        var command = new Command("serve");
        foreach (Option o in options.All)
        {
            command.Options.Add(o);
        }
        ParseResult parsed = command.Parse(table.Tokens);
        if (parsed.Errors.Count > 0)
        {
            throw new ServeConfigException(path, table.Line, table.Column, $"{table.Header}: {parsed.Errors[0].Message}");
        }
        return new ServeLayer(options, parsed, table.Header, table.Where);
    }

    /// <summary>The option's tokens for a TOML value, after checking the value's type against the option's.</summary>
    private static List<string> Tokens(string path, string key, Option option, ValueSyntax value)
    {
        Type type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        bool list = type.IsArray;
        Type element = list ? type.GetElementType()! : type;
        IEnumerable<ValueSyntax> values = value is ArraySyntax array
            ? list ? array.Items.Select(i => i.Value!) : throw Error(path, value.Span.Start, $"{key} takes one value, not a list")
            : [value];
        if (value is ArraySyntax { Items.ChildrenCount: 0 })
        {
            // xinetd reads an empty only_from as "nobody"; a list that says nothing must not silently mean "everyone".
            throw Error(path, value.Span.Start, $"{key} = []: an empty list says nothing; leave the key out for its default{(key == "allow" ? ", or deny = [\"0.0.0.0/0\", \"::/0\"] to let no one in" : "")}");
        }
        var tokens = new List<string>();
        foreach (ValueSyntax one in values)
        {
            string text = (one, element) switch
            {
                (BooleanValueSyntax b, var t) when t == typeof(bool) => b.Value ? "true" : "false",
                (IntegerValueSyntax i, var t) when t == typeof(int) || t == typeof(double) => i.Value.ToString(CultureInfo.InvariantCulture),
                (FloatValueSyntax f, var t) when t == typeof(double) => f.Value.ToString("R", CultureInfo.InvariantCulture),
                (StringValueSyntax s, var t) when t == typeof(string) || t == typeof(FileInfo) => s.Value ?? "",
                _ => throw Error(path, one.Span.Start, $"{key} must be {Expected(element, list)}"),
            };
            tokens.Add(option.Name);
            tokens.Add(text);
        }
        return tokens;
    }

    private static string Expected(Type element, bool list) => (element == typeof(bool) ? "true or false"
        : element == typeof(int) ? "a whole number"
        : element == typeof(double) ? "a number"
        : "a string") + (list ? " or a list of them" : "");

    private static List<string> Strings(string path, string key, ValueSyntax value) => value is ArraySyntax array
        ? [.. array.Items.Select(i => i.Value is StringValueSyntax s ? s.Value ?? "" : throw Error(path, i.Span.Start, $"{key}: every item must be a string"))]
        : throw Error(path, value.Span.Start, $"{key} must be a list of strings: {key} = [\"/usr/bin/python3\", \"/srv/qotd.py\"]");

    private static List<string> NameParts(KeySyntax key)
    {
        var parts = new List<string> { Part(key.Key!) };
        foreach (DottedKeyItemSyntax dotted in key.DotKeys)
        {
            parts.Add(Part(dotted.Key!));
        }
        return parts;
    }

    private static string KeyText(KeySyntax key) => string.Join('.', NameParts(key));

    private static string Part(BareKeyOrStringValueSyntax key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => key.ToString().Trim(),
    };

    private static ServeConfigException Error(string path, TextPosition at, string message) => new(path, at.Line + 1, at.Column + 1, message);
}
