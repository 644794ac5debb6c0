using System.Runtime.Versioning;
using Inetkit.Exec;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Exec;

/// <summary>Running a child as another user through setpriv (the tests run as root).</summary>
[SupportedOSPlatform("linux")]
public sealed class ProcessCredentialsTests
{
    private const string Ids = "id -u; id -g; id -G";

    [Fact]
    public async Task Lookup_Nobody_ChildRunsAsNobodyWithItsGroups()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "switching users needs root");
        using var timeout = TestTimeout.Create();
        ProcessCredentials nobody = ProcessCredentials.Lookup("nobody", null);
        using var spawned = Spawned.Start(request => request with { Credentials = nobody }, "/bin/sh", "-c", Ids);

        string output = await spawned.ReadToEndAsync(timeout.Token);
        ChildExit exit = await spawned.Child.Exited.WaitAsync(timeout.Token);

        Assert.Equal(new ProcessCredentials("nobody", 65534, nobody.Gid), nobody);
        Assert.Equal($"65534\n{nobody.Gid}\n{nobody.Gid}\n", output);
        Assert.Equal(0, exit.ExitCode);
    }

    [Fact]
    public async Task Lookup_UserAndGroupByName_ChildRunsWithThatGroup()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "switching users needs root");
        using var timeout = TestTimeout.Create();
        ProcessCredentials credentials = ProcessCredentials.Lookup("nobody", "daemon");
        using var spawned = Spawned.Start(request => request with { Credentials = credentials }, "/bin/sh", "-c", "id -u; id -g");

        Assert.Equal("65534\n1\n", await spawned.ReadToEndAsync(timeout.Token));
    }

    [Fact]
    public async Task Lookup_NumericUidWithoutPasswdEntry_RunsWithNoSupplementaryGroups()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "switching users needs root");
        using var timeout = TestTimeout.Create();
        ProcessCredentials credentials = ProcessCredentials.Lookup("54321", "54322");
        using var spawned = Spawned.Start(request => request with { Credentials = credentials }, "/bin/sh", "-c", Ids);

        Assert.False(credentials.HasPasswdEntry);
        Assert.Equal("54321\n54322\n54322\n", await spawned.ReadToEndAsync(timeout.Token));
    }

    [Fact]
    public async Task Spawn_WithCredentials_KeepsThePidAndTheGroup()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "switching users needs root");
        using var timeout = TestTimeout.Create();
        ProcessCredentials nobody = ProcessCredentials.Lookup("nobody", null);
        // $$ is the shell's pid, and the 5th field of stat its process group: setpriv exec'd in place.
        using var spawned = Spawned.Start(request => request with { Credentials = nobody }, "/bin/sh", "-c", "echo $$; cut -d' ' -f5 /proc/$$/stat");

        string[] lines = (await spawned.ReadToEndAsync(timeout.Token)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal([spawned.Child.Pid.ToString(), spawned.Child.Pid.ToString()], lines);
    }

    [Fact]
    public void Lookup_NumericUidOfAKnownUser_FindsItsName()
    {
        Assert.Equal(new ProcessCredentials("nobody", 65534, ProcessCredentials.Lookup("nobody", null).Gid), ProcessCredentials.Lookup("65534", null));
    }

    [Fact]
    public void Lookup_UnknownUser_SaysWhich()
    {
        var e = Assert.Throws<ArgumentException>(() => ProcessCredentials.Lookup("nosuch", null));

        Assert.Equal("user 'nosuch' does not exist", e.Message);
    }

    [Fact]
    public void Lookup_UnknownGroup_SaysWhich()
    {
        var e = Assert.Throws<ArgumentException>(() => ProcessCredentials.Lookup("nobody", "nosuchgroup"));

        Assert.Equal("group 'nosuchgroup' does not exist", e.Message);
    }

    [Fact]
    public void Lookup_NumericUidWithoutPasswdEntryNorGroup_AsksForTheGroup()
    {
        var e = Assert.Throws<ArgumentException>(() => ProcessCredentials.Lookup("54321", null));

        Assert.Equal("user 54321 has no passwd entry: give a group too", e.Message);
    }

    [Fact]
    public void SetprivPath_IsFoundOnPath()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/setpriv"), "needs util-linux's setpriv");

        Assert.NotNull(ProcessCredentials.SetprivPath);
        Assert.EndsWith("/setpriv", ProcessCredentials.SetprivPath, StringComparison.Ordinal);
    }
}
