using Inetkit.Tests.Support;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// A reply service's client beyond loopback gets the lingering close (FIN after the reply, then input read and
/// dropped until the client's FIN), and a lingering connection no longer counts against the cap (issue #11): with
/// --max-connections 1, a first client that keeps its side open and sends a late request draws no reset, and a
/// second client is served meanwhile. Runs in an empty network namespace (<c>unshare -n</c>, TEST-NET-1 addresses on
/// its own lo), so nothing can leave the machine; needs root, python3 and unshare, skipped otherwise.
/// </summary>
public sealed class LingeringCloseTests
{
    private const string Script = """
        set -u
        DOTNET="$1"; DLL="$2"; WORK="$3"; SERVICE="$4"
        ip link set lo up && ip addr add 192.0.2.1/32 dev lo && ip addr add 192.0.2.2/32 dev lo && ip addr add 192.0.2.3/32 dev lo || exit 90
        "$DOTNET" "$DLL" serve "$SERVICE" --tcp --bind 192.0.2.1 --port 0 --max-connections 1 > "$WORK/serve.out" 2> "$WORK/serve.log" &
        S=$!
        for _ in $(seq 400); do grep -q 192.0.2.1 "$WORK/serve.out" && break; sleep 0.05; done
        P=$(grep -oE '192\.0\.2\.1:[0-9]+' "$WORK/serve.out" | head -1 | cut -d: -f2)
        [ -n "$P" ] || { kill $S; exit 91; }
        python3 - "$P" > "$WORK/client.out" <<'PY' || { kill $S; exit 92; }
        import socket, sys
        port = int(sys.argv[1])

        def connect(source):
            s = socket.socket()
            s.bind((source, 0))
            s.connect(('192.0.2.1', port))
            return s

        def read_to_end(s):
            data = b''
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    return data
                data += chunk

        first = connect('192.0.2.2')
        print('first', read_to_end(first).hex())
        # The server has shut its side and lingers for ours: a request sent now is read and dropped. Had it closed
        # instead, the first send would draw a reset (on lo, before the call returns) and the second would fail.
        try:
            first.sendall(b'a late request\r\n')
            first.sendall(b'and another\r\n')
            print('late', first.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
        except OSError as e:
            print('late', e.errno)
        second = connect('192.0.2.3')
        print('second', read_to_end(second).hex())
        first.close()
        second.close()
        PY
        kill -TERM $S
        wait $S
        """;

    [Theory]
    [InlineData("daytime")]
    [InlineData("qotd")]
    [InlineData("time")]
    public async Task ReplyServiceBeyondLoopback_LingersOutsideTheCap_ALateRequestDrawsNoReset(string service)
    {
        Assert.SkipUnless(NetworkNamespace.Available, NetworkNamespace.Unavailable);
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(60));
        string work = Directory.CreateTempSubdirectory("inetkit-linger-").FullName;
        try
        {
            await NetworkNamespace.RunAsync(Script, work, timeout.Token, [.. NetworkNamespace.Inetkit, work, service]);

            Dictionary<string, string> said = (await File.ReadAllLinesAsync(Path.Combine(work, "client.out"), timeout.Token))
                .Select(l => l.Split(' ', 2)).ToDictionary(p => p[0], p => p[1]);
            string serveLog = await File.ReadAllTextAsync(Path.Combine(work, "serve.log"), timeout.Token);
            Assert.Equal("0", said["late"]);
            foreach (string client in new[] { "first", "second" })
            {
                byte[] reply = Convert.FromHexString(said[client]);
                Assert.True(service == "time" ? reply.Length == 4 : reply.Length > 2 && reply[^2] == '\r' && reply[^1] == '\n', $"{client} client got {said[client]}; serve said: {serveLog}");
            }
            Assert.DoesNotContain("refused", serveLog, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
