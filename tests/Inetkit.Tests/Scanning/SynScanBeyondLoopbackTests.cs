using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Scanning;

/// <summary>
/// <c>scan -sS</c> beyond loopback, inside an empty network namespace (<c>unshare -n</c>: TEST-NET-1's 192.0.2.1 on its
/// own lo, so nothing leaves the machine): through the scope and the audit log like the connect scan, a listener open,
/// a closed port closed, and an address with no route filtered. Needs root, unshare and python3.
/// </summary>
public sealed class SynScanBeyondLoopbackTests
{
    private const string Script = """
        set -u
        DOTNET="$1"; DLL="$2"; WORK="$3"
        ip link set lo up && ip addr add 192.0.2.1/32 dev lo || exit 90
        python3 -c 'import socket, time
        s = socket.socket(); s.bind(("192.0.2.1", 0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(120)' > "$WORK/port" &
        L=$!
        for _ in $(seq 400); do [ -s "$WORK/port" ] && break; sleep 0.05; done
        P=$(cat "$WORK/port")
        "$DOTNET" "$DLL" scan -sS 192.0.2.1 192.0.2.2 -p "1,$P" --scope "$WORK/scope.txt" --audit-log "$WORK/audit.log" --show-closed --timeout 300 --format xml -o "$WORK/report.xml" > "$WORK/scan.out" 2> "$WORK/scan.err"
        echo $? > "$WORK/scan.exit"
        kill $L
        """;

    private const string Scope = """
        authorized-by: the test, owner of this network namespace
        reference: NETNS-SYN
        expires: 2099-12-31
        192.0.2.0/24
        """;

    [Fact]
    public async Task InsideTheScope_OpenClosedAndNoRoute_AndTheAuditLogHasIt()
    {
        Assert.SkipUnless(NetworkNamespace.Available, NetworkNamespace.Unavailable);
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(120));
        string work = Directory.CreateTempSubdirectory("inetkit-syn-netns-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work, "scope.txt"), Scope, timeout.Token);
            await NetworkNamespace.RunAsync(Script, work, timeout.Token, [.. NetworkNamespace.Inetkit, work]);
            string error = await File.ReadAllTextAsync(Path.Combine(work, "scan.err"), timeout.Token);
            Assert.True((await File.ReadAllTextAsync(Path.Combine(work, "scan.exit"), timeout.Token)).Trim() == "0", error);
            string port = (await File.ReadAllTextAsync(Path.Combine(work, "port"), timeout.Token)).Trim();
            XDocument report;
            using (var reader = XmlReader.Create(Path.Combine(work, "report.xml"), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }))
            {
                report = XDocument.Load(reader);
            }

            Assert.Equal("syn", report.Root!.Element("scaninfo")!.Attribute("type")!.Value);
            Dictionary<string, string> states = report.Root.Elements("host")
                .SelectMany(h => h.Element("ports")!.Elements("port").Select(p => (Address: h.Element("address")!.Attribute("addr")!.Value, Port: p.Attribute("portid")!.Value, State: p.Element("state")!)))
                .ToDictionary(p => $"{p.Address}:{p.Port}", p => $"{p.State.Attribute("state")!.Value} {p.State.Attribute("reason")!.Value}");
            Assert.Equal(new Dictionary<string, string>
            {
                ["192.0.2.1:1"] = "closed reset",
                [$"192.0.2.1:{port}"] = "open syn-ack",
                ["192.0.2.2:1"] = "filtered net-unreach",
                [$"192.0.2.2:{port}"] = "filtered net-unreach",
            }, states);
            using JsonDocument audit = JsonDocument.Parse((await File.ReadAllLinesAsync(Path.Combine(work, "audit.log"), timeout.Token)).Single());
            Assert.Equal("NETNS-SYN", audit.RootElement.GetProperty("reference").GetString());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
