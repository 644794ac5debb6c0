using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary>
/// The tool as its users get it: build/pack-tool.sh packs it, <c>dotnet tool install</c> puts it in a tool path of the
/// test's own (with NuGet's cache and the CLI's home in the test's directory too, so the machine's are neither used nor
/// changed), and the installed command runs. On linux-x64 that command must be the Native AOT binary itself.
/// It packs linux-x64, "any" and the pointer; linux-arm64 is left out (it needs the aarch64 cross toolchain and another
/// native compilation), and the script then leaves it out of the pointer too. Alone: a native compilation takes both
/// CPUs for minutes, which would starve the timed tests beside it.
/// </summary>
[Collection(Alone.Name)]
public sealed class ToolPackageTests
{
    /// <summary>A native compilation takes 2-4 minutes on the 2-CPU machine; the bound only catches a hang.</summary>
    private static readonly TimeSpan PackBound = TimeSpan.FromMinutes(20);

    [Fact]
    public async Task PackAndInstall_PicksTheNativePackage_WhichAnswersVersionAndServesOnce()
    {
        string? root = RepositoryRoot();
        Assert.SkipWhen(root is null, "build/pack-tool.sh is not above the test binaries (not run from the repository)");
        Assert.SkipUnless(OnPath("clang") || OnPath("gcc"), "Native AOT needs clang (or gcc) to link (apt-get install clang; .ci/run does)");
        DirectoryInfo work = Directory.CreateTempSubdirectory("inetkit-tool-");
        try
        {
            string packages = Path.Combine(work.FullName, "packages");
            string tools = Path.Combine(work.FullName, "tools");
            using (var packing = TestTimeout.Create(PackBound))
            {
                await RunAsync("bash", [Path.Combine(root, "build", "pack-tool.sh"), "--rid", "linux-x64", "--rid", "any", packages], Isolated(work, forBuild: true), packing.Token);
            }
            Assert.Equal(["Inetkit.Tool.1.0.0.nupkg", "Inetkit.Tool.any.1.0.0.nupkg", "Inetkit.Tool.linux-x64.1.0.0.nupkg"],
                Directory.GetFiles(packages).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(["linux-x64", "any"], PointerRids(Path.Combine(packages, "Inetkit.Tool.1.0.0.nupkg")));
            // The portable package is framework-dependent: the managed command and its runtimeconfig, no executable.
            Assert.Superset(new HashSet<string>(["tools/net10.0/any/inetkit.dll", "tools/net10.0/any/inetkit.runtimeconfig.json"]), Entries(Path.Combine(packages, "Inetkit.Tool.any.1.0.0.nupkg")));
            Assert.DoesNotContain("tools/net10.0/any/inetkit", Entries(Path.Combine(packages, "Inetkit.Tool.any.1.0.0.nupkg")));

            using (var installing = TestTimeout.Create(TimeSpan.FromMinutes(2)))
            {
                // --source, not --add-source: the packages made here and no other feed, so a package of the same name elsewhere
                // cannot be picked, and the test needs no network.
                await RunAsync("dotnet", ["tool", "install", "Inetkit.Tool", "--tool-path", tools, "--source", packages], Isolated(work, forBuild: false), installing.Token);
            }

            string command = Path.Combine(tools, "inetkit");
            string binary = File.ResolveLinkTarget(command, returnFinalTarget: true)?.FullName ?? command;
            Assert.EndsWith(Path.Combine("tools", "any", "linux-x64", "inetkit"), binary, StringComparison.Ordinal);
            Assert.Contains("__managedcode", ElfSections(binary)); // Native AOT's compiled code: not the apphost, which loads a dll
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(binary)!, "*.dll"));
            Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(binary)!, "inetkit.runtimeconfig.json")));

            using var timeout = TestTimeout.Create();
            string version = await RunAsync(command, ["--version"], Isolated(work, forBuild: false), timeout.Token);
            Assert.StartsWith("1.0.0+", version, StringComparison.Ordinal);

            await using var serve = new ChildProcess(Process.Start(Start(command, ["serve", "echo", "--port", "0", "--tcp", "--bind", "127.0.0.1", "--once"], Isolated(work, forBuild: false)))!);
            IPEndPoint server = await serve.FirstEndPointAsync(timeout.Token);
            byte[] reply = await Net.ExchangeAsync(server, Transport.Tcp, "from the installed tool"u8.ToArray(), timeout.Token);
            Assert.Equal("from the installed tool", Encoding.ASCII.GetString(reply));
            Assert.Equal(0, await serve.WaitForExitAsync(timeout.Token));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string? RepositoryRoot()
    {
        for (DirectoryInfo? at = new(AppContext.BaseDirectory); at is not null; at = at.Parent)
        {
            if (File.Exists(Path.Combine(at.FullName, "build", "pack-tool.sh")))
            {
                return at.FullName;
            }
        }
        return null;
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));

    /// <summary>
    /// The child's environment: NuGet's package cache and the CLI's home in the test's directory for installing and
    /// running (the machine's caches are not changed, and every run starts clean). Packing keeps the machine's package cache,
    /// so the runtime packs come from it rather than the network, and runs no build server that would outlive it. MSBuild's
    /// own variables, set for the test run by dotnet test, are not passed on.
    /// </summary>
    private static Dictionary<string, string?> Isolated(DirectoryInfo work, bool forBuild)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        if (forBuild)
        {
            environment["MSBUILDDISABLENODEREUSE"] = "1";
            environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
            environment["UseSharedCompilation"] = "false";
        }
        else
        {
            string home = Path.Combine(work.FullName, "home");
            Directory.CreateDirectory(home);
            environment["HOME"] = home;
            environment["DOTNET_CLI_HOME"] = home;
            environment["NUGET_PACKAGES"] = Path.Combine(work.FullName, "nuget");
        }
        return environment;
    }

    private static ProcessStartInfo Start(string file, string[] args, Dictionary<string, string?> environment)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }
        foreach ((string name, string? value) in environment)
        {
            info.Environment[name] = value;
        }
        return info;
    }

    /// <summary>Runs a program to its end and returns its stdout; one that fails fails the test with the end of what it printed.</summary>
    private static async Task<string> RunAsync(string file, string[] args, Dictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        await using var child = new ChildProcess(Process.Start(Start(file, args, environment))!);
        int exit = await child.WaitForExitAsync(cancellationToken);
        Assert.True(exit == 0, $"{file} {string.Join(' ', args)} exited {exit}:\n{string.Join("\n", child.Out.Lines.TakeLast(30).Concat(child.Err.Lines.TakeLast(30)))}");
        return string.Join("\n", child.Out.Lines);
    }

    private static HashSet<string> Entries(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The RIDs the pointer package's DotnetToolSettings.xml names, in its order.</summary>
    private static List<string> PointerRids(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        using Stream settings = zip.GetEntry("tools/any/any/DotnetToolSettings.xml")!.Open();
        return System.Xml.Linq.XDocument.Load(settings).Descendants("RuntimeIdentifierPackage").Select(p => (string)p.Attribute("RuntimeIdentifier")!).ToList();
    }

    /// <summary>The section names of a 64-bit little-endian ELF file (which stripping keeps: it removes the symbols).</summary>
    private static List<string> ElfSections(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        Assert.True(elf.AsSpan(0, 6).SequenceEqual("\u007fELF\u0002\u0001"u8), $"{path} is not a 64-bit little-endian ELF file");
        var header = elf.AsSpan();
        long sectionsAt = BinaryPrimitives.ReadInt64LittleEndian(header[0x28..]);
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3A..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3C..]);
        int namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3E..]);
        Span<byte> SectionHeader(int i) => elf.AsSpan((int)(sectionsAt + (i * entrySize)), entrySize);
        int namesAt = (int)BinaryPrimitives.ReadInt64LittleEndian(SectionHeader(namesIndex)[0x18..]);
        var names = new List<string>();
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> name = elf.AsSpan(namesAt + (int)BinaryPrimitives.ReadUInt32LittleEndian(SectionHeader(i)));
            names.Add(Encoding.ASCII.GetString(name[..name.IndexOf((byte)0)]));
        }
        return names;
    }
}
