using System.Net.Http;

namespace Inetkit.Tests.Support;

/// <summary>
/// A reader of Server-Sent Events as the demo's page is sent them (<c>event:</c> and <c>data:</c> lines, a blank line
/// between), over an HttpClient that never goes through a proxy: the tests reach loopback directly.
/// </summary>
internal static class ServerSentEvents
{
    public static HttpClient Client() => new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TestTimeout.Bound };

    /// <summary>Every event of the stream at <paramref name="url"/>, until the server ends it.</summary>
    public static async Task<IReadOnlyList<(string Event, string Data)>> ReadAllAsync(HttpClient client, Uri url, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var events = new List<(string, string)>();
        string name = "message";
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    events.Add((name, string.Join('\n', data)));
                }
                (name, data) = ("message", []);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Add(line[6..]);
            }
        }
        return events;
    }
}
