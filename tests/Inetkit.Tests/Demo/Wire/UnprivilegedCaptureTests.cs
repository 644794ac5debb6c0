using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Inetkit.Demo.Wire;
using Inetkit.Demo.Wire.Internal;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>Without root or CAP_NET_RAW the capture does not open, and says in one line how to let it.</summary>
public sealed class UnprivilegedCaptureTests
{
    private const string Marker = "whyNot: ";
    private const int CapNetRaw = 13;

    [Fact]
    public void AccessDenied_SaysHowToGetThePrivilege()
    {
        Assert.Equal(CaptureRefusal.NoPrivilege, CaptureRefusal.Explain(new SocketException((int)SocketError.AccessDenied)));
        Assert.Equal(
            "--wire needs root or CAP_NET_RAW (run with sudo, or: sudo setcap cap_net_raw+ep $(command -v inetkit)); the demo goes on without the packets",
            CaptureRefusal.NoPrivilege);
    }

    [Fact]
    public void OtherFailures_SayWhatFailed()
    {
        string line = CaptureRefusal.Explain(new SocketException((int)SocketError.AddressFamilyNotSupported));

        Assert.StartsWith("--wire could not open a packet socket on lo (", line);
        Assert.EndsWith("); the demo goes on without the packets", line);
        Assert.DoesNotContain('\n', line);
    }

    /// <summary>
    /// As root this runs itself again as nobody (setpriv), where the kernel refuses the packet socket; as anyone
    /// else, the check itself. The child prints what TryOpen said, so the parent checks the real line too.
    /// </summary>
    [Fact]
    public async Task TryOpen_AsNobody_FailsWithTheOneLine()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "the capture is Linux-only");
        if (Environment.UserName != "root")
        {
            Assert.SkipWhen(HasEffectiveCapability(CapNetRaw), "this process has CAP_NET_RAW");
            bool opened = LoopbackCapture.TryOpen([], out LoopbackCapture? capture, out string whyNot);
            if (capture is not null)
            {
                await capture.DisposeAsync();
            }
            Console.WriteLine(Marker + whyNot);
            Assert.False(opened);
            Assert.Equal(CaptureRefusal.NoPrivilege, whyNot);
            return;
        }
        Assert.SkipUnless(File.Exists("/usr/bin/setpriv"), "needs setpriv (util-linux) to run as nobody");
        Assert.SkipUnless(NobodyCanReach(AppContext.BaseDirectory), $"nobody cannot reach {AppContext.BaseDirectory} (a directory on the way is not world-searchable)");

        (int exitCode, string output) = await RunAsNobodyAsync($"{nameof(UnprivilegedCaptureTests)}.{nameof(TryOpen_AsNobody_FailsWithTheOneLine)}");

        Assert.True(exitCode == 0, output);
        Assert.Equal([Marker + CaptureRefusal.NoPrivilege], output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith(Marker, StringComparison.Ordinal)));
    }

    private static async Task<(int, string)> RunAsNobodyAsync(string method)
    {
        var info = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, Environment = { ["HOME"] = Path.GetTempPath() } };
        foreach (string arg in (string[])["--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", Path.Combine(AppContext.BaseDirectory, "Inetkit.Tests.dll"),
                     "-method", $"{typeof(UnprivilegedCaptureTests).Namespace}.{method}", "-noColor"])
        {
            info.ArgumentList.Add(arg);
        }
        using Process child = Process.Start(info)!;
        Task<string> error = child.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string output = await child.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await child.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (child.ExitCode, output + await error);
    }

    private static bool HasEffectiveCapability(int capability)
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        return line is not null && (ulong.Parse(line["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << capability)) != 0;
    }

    private static bool NobodyCanReach(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            if (!File.GetUnixFileMode(dir.FullName).HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }
        return true;
    }
}
