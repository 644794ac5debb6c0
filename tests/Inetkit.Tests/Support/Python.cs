using System.Diagnostics;

namespace Inetkit.Tests.Support;

/// <summary>Runs the seed note's Python code, with only the port changed. Tests that need it skip without python3.</summary>
internal static class Python
{
    // Prepended to a seed server so the test learns when it listens, without touching the seed's own lines:
    // it wraps socket.listen to print a line once the real listen() has returned, and socket.bind likewise
    // (Example #2's UDP service prints nothing before its first recvfrom).
    private const string ListenProbe = """
        import socket as _inetkit_socket
        _inetkit_listen = _inetkit_socket.socket.listen
        def _inetkit_traced_listen(self, *args):
            _inetkit_listen(self, *args)
            print('listening', flush=True)
        _inetkit_socket.socket.listen = _inetkit_traced_listen
        _inetkit_bind = _inetkit_socket.socket.bind
        def _inetkit_traced_bind(self, *args):
            _inetkit_bind(self, *args)
            print('bound', flush=True)
        _inetkit_socket.socket.bind = _inetkit_traced_bind

        """;

    public static string Require()
    {
        string? python = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "python3"))
            .FirstOrDefault(File.Exists);
        if (python is null)
        {
            Assert.Skip("python3 is not installed; .ci/run installs it");
        }
        return python;
    }

    /// <summary>The seed script with its port (12345) replaced.</summary>
    public static string Seed(string script, int port)
    {
        string source = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Seed", script));
        Assert.Contains("12345", source, StringComparison.Ordinal);
        return source.Replace("12345", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>Starts a seed server with unbuffered output; its stdout lines can be awaited.</summary>
    public static ChildProcess StartServer(string script, int port)
    {
        var info = new ProcessStartInfo(Require())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-u");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(ListenProbe + Seed(script, port));
        return new ChildProcess(Process.Start(info)!);
    }
}
