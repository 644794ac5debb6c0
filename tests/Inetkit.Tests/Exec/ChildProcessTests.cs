using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Inetkit.Exec;
using Inetkit.Interop.Linux;
using Inetkit.Tests.Support;
using ChildProcess = Inetkit.Exec.ChildProcess;

namespace Inetkit.Tests.Exec;

/// <summary>posix_spawn as an exec service uses it: descriptors, environment, signals, process groups, reaping.</summary>
[SupportedOSPlatform("linux")]
public sealed class ChildProcessTests
{
    [Fact]
    public async Task Spawn_StdoutOnASocketPair_ReadsTheOutputAndTheExitCode()
    {
        using var timeout = TestTimeout.Create();
        using var spawned = Spawned.Start("/bin/sh", "-c", "echo hi; exit 3");

        string output = await spawned.ReadToEndAsync(timeout.Token);
        ChildExit exit = await spawned.Child.Exited.WaitAsync(timeout.Token);

        Assert.Equal("hi\n", output);
        Assert.Equal(3, exit.ExitCode);
        Assert.Null(exit.Signal);
    }

    [Fact]
    public async Task Spawn_OneSocketForStdinAndStdout_CatEchoes_AndOurShutdownEndsIt()
    {
        using var timeout = TestTimeout.Create();
        using var spawned = Spawned.Start("/bin/cat");

        await Net.SendAllAsync(spawned.Ours, "ping\n"u8.ToArray(), timeout.Token);
        byte[] echoed = await Net.ReadExactlyAsync(spawned.Ours, 5, timeout.Token);
        spawned.Ours.Shutdown(SocketShutdown.Send);
        string rest = await spawned.ReadToEndAsync(timeout.Token);
        ChildExit exit = await spawned.Child.Exited.WaitAsync(timeout.Token);

        Assert.Equal("ping\n"u8.ToArray(), echoed);
        Assert.Equal("", rest);
        Assert.Equal(0, exit.ExitCode);
    }

    [Fact]
    public async Task Spawn_NonBlockingDescriptor_ReachesTheChildBlocking()
    {
        using var timeout = TestTimeout.Create();
        // An accepted socket is non-blocking (accept4 with SOCK_NONBLOCK); a program would fail a read with EAGAIN.
        using var spawned = Spawned.Start(request =>
        {
            int flags = LibC.Fcntl(request.StdinFd, LibC.FGetFl, 0);
            Assert.Equal(0, LibC.Fcntl(request.StdinFd, LibC.FSetFl, flags | LibC.ONonBlock));
            return request;
        }, "/bin/grep", "^flags:", "/proc/self/fdinfo/0");

        string output = await spawned.ReadToEndAsync(timeout.Token);

        int fileFlags = Convert.ToInt32(output["flags:".Length..].Trim(), 8);
        Assert.Equal(0, fileFlags & LibC.ONonBlock);
    }

    [Fact]
    public async Task Spawn_Environment_IsExactlyTheGivenOne()
    {
        using var timeout = TestTimeout.Create();
        var environment = new Dictionary<string, string> { ["ONE"] = "1", ["SPACED"] = "a b", ["EMPTY"] = "", ["UNICODE"] = "ünï" };
        using var spawned = Spawned.Start(request => request with { Environment = environment }, "/usr/bin/env");

        string output = await spawned.ReadToEndAsync(timeout.Token);

        Assert.Equal(
            environment.Select(e => $"{e.Key}={e.Value}").Order(StringComparer.Ordinal),
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Spawn_WorkingDirectory_IsTheGivenOne()
    {
        using var timeout = TestTimeout.Create();
        DirectoryInfo directory = Directory.CreateTempSubdirectory("inetkit-exec-");
        try
        {
            using var spawned = Spawned.Start(request => request with { WorkingDirectory = directory.FullName }, "/bin/pwd");

            string output = await spawned.ReadToEndAsync(timeout.Token);

            Assert.Equal(directory.FullName + "\n", output);
        }
        finally
        {
            directory.Delete();
        }
    }

    [Fact]
    public void Spawn_MissingWorkingDirectory_SaysSo()
    {
        var e = Assert.Throws<ExecFailedException>(() => Spawned.Start(request => request with { WorkingDirectory = "/nonexistent/dir" }, "/bin/true"));

        Assert.Equal("cannot run /bin/true: working directory /nonexistent/dir does not exist", e.Message);
    }

    [Fact]
    public async Task Spawn_Descriptors_OnlyZeroOneAndTwoReachTheChild()
    {
        using var timeout = TestTimeout.Create();
        // A descriptor without O_CLOEXEC, as our own parent might have left us one: it must not reach the child either.
        using var devNull = File.OpenHandle("/dev/null");
        int leaky = LibC.Fcntl((int)devNull.DangerousGetHandle(), 0 /* F_DUPFD */, 3);
        Assert.True(leaky >= 3);
        try
        {
            using var spawned = Spawned.Start("/bin/ls", "/proc/self/fd");

            string output = await spawned.ReadToEndAsync(timeout.Token);

            // 3 is the directory ls itself opened to list.
            Assert.Equal("0\n1\n2\n3\n", output);
        }
        finally
        {
            LibC.Close(leaky);
        }
    }

    [Fact]
    public async Task Spawn_NoStderrGiven_StderrIsDevNull()
    {
        using var timeout = TestTimeout.Create();
        using var spawned = Spawned.Start("/usr/bin/readlink", "/proc/self/fd/2");

        Assert.Equal("/dev/null\n", await spawned.ReadToEndAsync(timeout.Token));
    }

    [Fact]
    public async Task Spawn_Signals_NoneIgnoredNoneBlocked()
    {
        using var timeout = TestTimeout.Create();
        using var spawned = Spawned.Start("/bin/grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status");

        string output = await spawned.ReadToEndAsync(timeout.Token);

        Assert.Equal("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n", output);
    }

    [Fact]
    public async Task Spawn_SigpipeAtItsDefault_YesDiesOfItInAPipeline()
    {
        using var timeout = TestTimeout.Create();
        // 141 = 128 + SIGPIPE. With SIGPIPE ignored, yes would see EPIPE instead and exit 1.
        using var spawned = Spawned.Start("/bin/sh", "-c", "exec 3>&1; { yes; echo \"yes: $?\" >&3; } | head -c 1 >/dev/null");

        string output = await spawned.ReadToEndAsync(timeout.Token);
        ChildExit exit = await spawned.Child.Exited.WaitAsync(timeout.Token);

        Assert.Equal("yes: 141\n", output);
        Assert.Equal(0, exit.ExitCode);
    }

    [Fact]
    public async Task StopAsync_ProgramThatNeverExits_IsEndedBySigterm()
    {
        using var timeout = TestTimeout.Create();
        using var spawned = Spawned.Start("/bin/sleep", "1000");

        await spawned.Child.StopAsync(TimeSpan.FromSeconds(20), timeout.Token);
        ChildExit exit = await spawned.Child.Exited;

        Assert.Equal(LibC.SigTerm, exit.Signal);
        Assert.Null(exit.ExitCode);
        Assert.StartsWith("killed by SIGTERM after ", exit.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_ProgramThatIgnoresSigterm_IsKilledAfterTheGrace()
    {
        using var timeout = TestTimeout.Create();
        using var spawned = Spawned.Start("/usr/bin/python3", "-c",
            "import signal, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); sys.stdin.read()");
        Assert.Equal("ready", await spawned.ReadLineAsync(timeout.Token));

        await spawned.Child.StopAsync(TimeSpan.FromMilliseconds(100), timeout.Token);
        ChildExit exit = await spawned.Child.Exited;

        Assert.Equal(LibC.SigKill, exit.Signal);
    }

    [Fact]
    public async Task Exit_GrandchildInTheGroup_GetsSigterm()
    {
        using var timeout = TestTimeout.Create();
        // The subshell says which signal reached it; the leader exits when we send it a line.
        using var spawned = Spawned.Start("/bin/sh", "-c", "(trap 'echo TERM; exit 0' TERM; sleep 1000 & echo ready; wait) & read line; exit 0");
        Assert.Equal("ready", await spawned.ReadLineAsync(timeout.Token));

        await Net.SendAllAsync(spawned.Ours, "\n"u8.ToArray(), timeout.Token);
        ChildExit exit = await spawned.Child.Exited.WaitAsync(timeout.Token);
        string rest = await spawned.ReadToEndAsync(timeout.Token);

        Assert.Equal(0, exit.ExitCode);
        Assert.Equal("TERM\n", rest);
    }

    [Fact]
    public async Task Exit_GrandchildInTheGroup_IsGone()
    {
        using var timeout = TestTimeout.Create();
        using var spawned = Spawned.Start("/bin/sh", "-c", "sleep 1000 & echo $!; exit 0");
        int grandchild = int.Parse(await spawned.ReadLineAsync(timeout.Token));

        ChildExit exit = await spawned.Child.Exited.WaitAsync(timeout.Token);
        await Processes.WaitUntilGoneAsync(grandchild, timeout.Token);

        Assert.Equal(0, exit.ExitCode);
    }

    [Fact]
    public async Task Exit_GrandchildThatIgnoresSigterm_IsKilledAfterTheLeftoverGrace()
    {
        using var timeout = TestTimeout.Create();
        // The ignored SIGTERM survives sleep's exec. The leader waits for our line, sent once the subshell has said
        // it ignores SIGTERM: else the group's SIGTERM could beat the trap. The two lines come in either order.
        using var spawned = Spawned.Start("/bin/sh", "-c", "(trap '' TERM; echo ignoring; exec sleep 1000) & echo $!; read line; exit 0");
        string[] lines = [await spawned.ReadLineAsync(timeout.Token), await spawned.ReadLineAsync(timeout.Token)];
        Assert.Contains("ignoring", lines);
        int grandchild = int.Parse(lines.Single(l => l != "ignoring"));

        await Net.SendAllAsync(spawned.Ours, "\n"u8.ToArray(), timeout.Token);
        await spawned.Child.Exited.WaitAsync(timeout.Token);
        await Processes.WaitUntilGoneAsync(grandchild, timeout.Token);
    }

    [Fact]
    public async Task Signals_AfterTheReap_AreNotSent()
    {
        using var timeout = TestTimeout.Create();
        using var spawned = Spawned.Start("/bin/true");
        ChildExit exit = await spawned.Child.Exited.WaitAsync(timeout.Token);

        spawned.Child.Terminate();
        spawned.Child.Kill();
        await spawned.Child.StopAsync(TimeSpan.Zero, timeout.Token);

        Assert.Equal(0, exit.ExitCode);
    }

    [Fact]
    public async Task Dispose_RunningChild_KillsIt()
    {
        using var timeout = TestTimeout.Create();
        var spawned = Spawned.Start("/bin/sleep", "1000");

        spawned.Dispose();
        ChildExit exit = await spawned.Child.Exited.WaitAsync(timeout.Token);

        Assert.Equal(LibC.SigKill, exit.Signal);
    }

    [Fact]
    public void Spawn_FileWithoutExecuteBits_ThrowsExecFailed()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "#!/bin/sh\necho hi\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

            var e = Assert.Throws<ExecFailedException>(() => Spawned.Start(path));

            Assert.Equal($"cannot run {path}: Permission denied", e.Message);
            Assert.Equal(LibC.EAcces, e.ErrorNumber);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Spawn_ExecutableThatIsNoProgram_ThrowsExecFailed()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [0x7F, 0x00, 0x01, 0x02]);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);

            var e = Assert.Throws<ExecFailedException>(() => Spawned.Start(path));

            Assert.Equal($"cannot run {path}: Exec format error", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Spawn_TwoHundredChildren_TwentyAtATime_AllReapedWithNoZombieLeft()
    {
        using var timeout = TestTimeout.Create();
        using var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        int fd = (int)devNull.DangerousGetHandle();
        var pids = new List<int>();
        for (int batch = 0; batch < 10; batch++)
        {
            var children = Enumerable.Range(0, 20)
                .Select(_ => ChildProcess.Spawn(new SpawnRequest("/bin/true", ["true"], Spawned.MinimalEnvironment, "/", fd, fd, null, null)))
                .ToList();
            ChildExit[] exits = await Task.WhenAll(children.Select(c => c.Exited)).WaitAsync(timeout.Token);
            Assert.All(exits, exit => Assert.Equal(0, exit.ExitCode));
            pids.AddRange(children.Select(c => c.Pid));
        }

        Assert.Equal(200, pids.Distinct().Count());
        Assert.Empty(Processes.OurZombies().Intersect(pids));
    }

    [Theory]
    [InlineData(0, null, 12, "exit(0) after 12 ms")]
    [InlineData(null, 9, 1003, "killed by SIGKILL after 1,003 ms")]
    [InlineData(null, 13, 5, "killed by SIGPIPE after 5 ms")]
    [InlineData(null, 10, 5, "killed by signal 10 after 5 ms")]
    [InlineData(null, null, 5, "exit status unknown after 5 ms")]
    public void ChildExit_ToString_SaysHowAndWhen(int? code, int? signal, int milliseconds, string expected)
    {
        Assert.Equal(expected, new ChildExit(code, signal, TimeSpan.FromMilliseconds(milliseconds)).ToString());
    }

    [Fact]
    public void Spawn_NulInAnArgument_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Spawned.Start("/bin/echo", "a\0b"));

        Assert.Contains("NUL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Spawn_DescriptorThatIsNotOpen_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Spawned.Start(r => r with { StderrFd = 1_000_000 }, "/bin/true"));

        Assert.Equal("descriptor 1000000 cannot be given to a child: Bad file descriptor", e.Message);
    }

    [Fact]
    public async Task Spawn_StderrGiven_GoesThere()
    {
        using var timeout = TestTimeout.Create();
        (Socket errors, var errorsChild) = SocketPair.Create();
        using (errors)
        {
            Spawned spawned;
            using (errorsChild)
            {
                spawned = Spawned.Start(r => r with { StderrFd = (int)errorsChild.DangerousGetHandle() }, "/bin/sh", "-c", "echo out; echo err >&2");
            }
            using (spawned)
            {
                Assert.Equal("out\n", await spawned.ReadToEndAsync(timeout.Token));
                Assert.Equal("err\n", Encoding.UTF8.GetString(await Net.ReadToEndAsync(errors, timeout.Token)));
            }
        }
    }
}
