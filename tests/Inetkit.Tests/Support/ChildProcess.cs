using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;

namespace Inetkit.Tests.Support;

/// <summary>
/// A child process with its output lines awaitable: the real inetkit command (dotnet inetkit.dll), for what only
/// a process shows (signals, exit codes), and the seed's Python servers.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;

    public ChildProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Out.Write(e.Data + "\n"); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Err.Write(e.Data + "\n"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public LineWriter Out { get; } = new();

    public LineWriter Err { get; } = new();

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(params string[] args) => StartWrapped([], args);

    /// <summary>Starts inetkit under <paramref name="wrapper"/> (for example setpriv, to drop root).</summary>
    public static ChildProcess StartWrapped(string[] wrapper, params string[] args)
    {
        var info = new ProcessStartInfo(wrapper.Length > 0 ? wrapper[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string part in wrapper.Skip(1).Concat(wrapper.Length > 0 ? ["dotnet"] : []))
        {
            info.ArgumentList.Add(part);
        }
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "inetkit.dll"));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return new ChildProcess(Process.Start(info)!);
    }

    /// <summary>The endpoint printed on the first line of stdout ("echo     tcp  127.0.0.1:40123").</summary>
    public async Task<IPEndPoint> FirstEndPointAsync(CancellationToken cancellationToken)
    {
        string line = await Out.WaitForLineAsync(_ => true, cancellationToken);
        return IPEndPoint.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);
    }

    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    public const int SigHup = 1;
    public const int SigInt = 2;
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
