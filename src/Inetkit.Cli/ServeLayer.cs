using System.CommandLine;

namespace Inetkit.Cli;

/// <summary>
/// One source of serve's settings: the command line, a config file's <c>[defaults]</c>, or one of its
/// <c>[service.NAME]</c> tables, each parsed by the same options (<see cref="ServeOptions"/>). A value counts only
/// where it was given; the layers are read in order of precedence, the options' defaults last.
/// </summary>
internal sealed class ServeLayer(ServeOptions options, ParseResult result, string origin, IReadOnlyDictionary<string, string>? keyLocations = null)
{
    public ServeOptions Options => options;

    public ParseResult Result => result;

    /// <summary>What --check says a value came from: <c>command line</c>, <c>[defaults]</c>, <c>[service.echo]</c>.</summary>
    public string Origin => origin;

    /// <summary>Whether the option picked from this layer's set was given here.</summary>
    public bool Gives(Func<ServeOptions, Option> pick) => result.GetResult(pick(options)) is { Implicit: false };

    /// <summary>Where a key was written (<c>serve.toml:12:1</c>), for a config file's layers.</summary>
    public string Where(Func<ServeOptions, Option> pick)
    {
        string key = pick(options).Name.TrimStart('-');
        return keyLocations is not null && keyLocations.TryGetValue(key, out string? at) ? $"{origin} at {at}" : origin;
    }
}

/// <summary>A setting's value and where it came from.</summary>
internal readonly record struct Setting<T>(T Value, string Origin, bool Given);

internal static class ServeLayers
{
    /// <summary>The value from the first layer that gives it, else the option's default.</summary>
    public static Setting<T> Resolve<T>(IReadOnlyList<ServeLayer> layers, Func<ServeOptions, Option<T>> pick)
    {
        foreach (ServeLayer layer in layers)
        {
            if (layer.Gives(pick))
            {
                return new Setting<T>(layer.Result.GetValue(pick(layer.Options))!, layer.Where(pick), true);
            }
        }
        ServeLayer last = layers[^1];
        return new Setting<T>(last.Result.GetValue(pick(last.Options))!, "default", false);
    }
}
