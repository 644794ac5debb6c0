using System.Runtime.Versioning;
using Inetkit.Exec;

namespace Inetkit.Tests.Exec;

/// <summary>Finding a service's program, with one line for each way it can be wrong.</summary>
[SupportedOSPlatform("linux")]
public sealed class ProgramPathTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("inetkit-path-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Resolve_BareName_IsFoundOnTheSearchPath_SkippingMissingAndEmptyEntries()
    {
        Assert.Equal("/usr/bin/env", ProgramPath.Resolve("env", "/nonexistent::/usr/bin"));
    }

    [Fact]
    public void Resolve_BareName_FirstExecutableWins()
    {
        string first = Executable("tool");
        string second = Directory.CreateDirectory(Path.Combine(_directory.FullName, "later")).FullName;
        File.Copy(first, Path.Combine(second, "tool"));

        Assert.Equal(first, ProgramPath.Resolve("tool", $"{_directory.FullName}:{second}"));
    }

    [Fact]
    public void Resolve_BareNameNotFound_NamesTheSearchPath()
    {
        var e = Assert.Throws<ArgumentException>(() => ProgramPath.Resolve("foo-no-such-program", "/usr/local/bin:/usr/bin:/bin"));

        Assert.Equal("program 'foo-no-such-program' not found on PATH (/usr/local/bin:/usr/bin:/bin)", e.Message);
    }

    [Fact]
    public void Resolve_BareNameFoundOnlyNotExecutable_SaysWhere()
    {
        string path = Path.Combine(_directory.FullName, "script");
        File.WriteAllText(path, "#!/bin/sh\n");

        var e = Assert.Throws<ArgumentException>(() => ProgramPath.Resolve("script", _directory.FullName));

        Assert.Equal($"program 'script' is not executable: {path} (chmod +x it)", e.Message);
    }

    [Fact]
    public void Resolve_BareNameThatIsADirectoryOnThePath_IsSkipped()
    {
        Directory.CreateDirectory(Path.Combine(_directory.FullName, "env"));

        Assert.Equal("/usr/bin/env", ProgramPath.Resolve("env", $"{_directory.FullName}:/usr/bin"));
    }

    [Fact]
    public void Resolve_AbsolutePath_IsTakenAsIs()
    {
        Assert.Equal("/bin/sh", ProgramPath.Resolve("/bin/sh", ""));
    }

    [Fact]
    public void Resolve_RelativePathWithASlash_IsMadeAbsolute()
    {
        string path = Executable("x.py");
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        Assert.Contains('/', relative);

        Assert.Equal(path, ProgramPath.Resolve(relative, "/usr/bin"));
    }

    [Fact]
    public void Resolve_NotExecutable_SaysChmod()
    {
        string path = Path.Combine(_directory.FullName, "x.py");
        File.WriteAllText(path, "print(1)\n");

        var e = Assert.Throws<ArgumentException>(() => ProgramPath.Resolve(path, "/usr/bin"));

        Assert.Equal($"program '{path}' is not executable (chmod +x it)", e.Message);
    }

    [Fact]
    public void Resolve_Directory_SaysSo()
    {
        var e = Assert.Throws<ArgumentException>(() => ProgramPath.Resolve(_directory.FullName, "/usr/bin"));

        Assert.Equal($"program '{_directory.FullName}' is a directory", e.Message);
    }

    [Fact]
    public void Resolve_Missing_SaysSo()
    {
        var e = Assert.Throws<ArgumentException>(() => ProgramPath.Resolve("/srv/nonexistent/prog", "/usr/bin"));

        Assert.Equal("program '/srv/nonexistent/prog' does not exist", e.Message);
    }

    [Fact]
    public void Resolve_DeviceFile_IsNotARegularFile()
    {
        var e = Assert.Throws<ArgumentException>(() => ProgramPath.Resolve("/dev/null", "/usr/bin"));

        Assert.Equal("program '/dev/null' is not a regular file", e.Message);
    }

    [Fact]
    public void Resolve_SymbolicLinkToAProgram_IsFollowed()
    {
        string link = Path.Combine(_directory.FullName, "link");
        File.CreateSymbolicLink(link, "/bin/sh");

        Assert.Equal(link, ProgramPath.Resolve(link, "/usr/bin"));
    }

    [Fact]
    public void Resolve_Empty_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => ProgramPath.Resolve("", "/usr/bin"));
    }

    private string Executable(string name)
    {
        string path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, "#!/bin/sh\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
