using System.Diagnostics;

namespace Inetkit.Tests.Support;

/// <summary>
/// xinetd from Debian, run in the foreground with a config file of its own: its INTERNAL services, bound to
/// 127.0.0.1 on the ports given (UNLISTED, so /etc/services is not consulted). Shared by the interop and the
/// conformance tests, which skip without xinetd or root.
/// </summary>
internal sealed class Xinetd : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private Xinetd(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    /// <summary>
    /// Starts xinetd with one INTERNAL service per entry (<paramref name="services"/>: the service name, xinetd's id
    /// for it such as <c>echo-dgram</c>, <c>stream</c> or <c>dgram</c>, and the port) and returns once it says it is working.
    /// </summary>
    public static async Task<Xinetd> StartAsync((string Name, string Id, string Type, int Port)[] services, CancellationToken cancellationToken)
    {
        const string Binary = "/usr/sbin/xinetd";
        if (!File.Exists(Binary))
        {
            Assert.Skip("xinetd is not installed (apt-get install xinetd; .ci/run does)");
        }
        if (Environment.UserName != "root")
        {
            Assert.Skip("xinetd's built-in services need root here");
        }
        string directory = Directory.CreateTempSubdirectory("inetkit-xinetd-").FullName;
        string config = Path.Combine(directory, "xinetd.conf");
        string log = Path.Combine(directory, "xinetd.log");
        await File.WriteAllTextAsync(config, "defaults\n{\n}\n" + string.Concat(services.Select(s => $$"""
            service {{s.Name}}
            {
                type = INTERNAL UNLISTED
                id = {{s.Id}}
                socket_type = {{s.Type}}
                protocol = {{(s.Type == "stream" ? "tcp" : "udp")}}
                port = {{s.Port}}
                bind = 127.0.0.1
                wait = {{(s.Type == "stream" ? "no" : "yes")}}
                user = root
            }

            """)), cancellationToken);
        var info = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { "-dontfork", "-filelog", log, "-f", config, "-pidfile", Path.Combine(directory, "pid") })
        {
            info.ArgumentList.Add(arg);
        }
        var xinetd = new Xinetd(Process.Start(info)!, directory);
        // xinetd says it is ready only in its log file, so the file is watched for that line.
        while (!(File.Exists(log) && (await File.ReadAllTextAsync(log, cancellationToken)).Contains("Started working", StringComparison.Ordinal)))
        {
            if (xinetd._process.HasExited)
            {
                throw new InvalidOperationException($"xinetd exited with {xinetd._process.ExitCode}: {await xinetd._process.StandardError.ReadToEndAsync(cancellationToken)}");
            }
            await Task.Delay(20, cancellationToken);
        }
        return xinetd;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
