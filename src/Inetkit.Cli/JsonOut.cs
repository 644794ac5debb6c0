using System.Text;
using System.Text.Json;

namespace Inetkit.Cli;

/// <summary>Writes one JSON object on one line, for --json: no reflection, so the tool stays trimmable.</summary>
internal static class JsonOut
{
    public static void Write(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    public static void Number(this Utf8JsonWriter writer, string name, double value, int decimals = 3) =>
        writer.WriteNumber(name, Math.Round(value, decimals));
}
