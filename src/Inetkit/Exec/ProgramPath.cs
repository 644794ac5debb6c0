using System.Runtime.Versioning;
using Inetkit.Interop.Linux;

namespace Inetkit.Exec;

/// <summary>Finds a service's program once, at configuration time, so that a mistake is one line at start and not an exec failure per connection.</summary>
[SupportedOSPlatform("linux")]
internal static class ProgramPath
{
    private enum Kind
    {
        Missing,
        Directory,
        File,
        Other,
    }

    /// <summary>
    /// A program with a slash in it is taken as is, made absolute against the current directory; a bare name is
    /// looked up in <paramref name="searchPath"/> (colon separated; empty entries, which execvp reads as the
    /// current directory, are skipped: a server should not run what happens to lie in its directory). The result
    /// exists, is a regular file (symbolic links followed) and is executable by us. Otherwise
    /// <see cref="ArgumentException"/> with one line, such as <c>program 'foo' not found on PATH (/usr/bin:/bin)</c>.
    /// </summary>
    public static string Resolve(string program, string searchPath)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(searchPath);
        if (program.Length == 0 || program.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"program '{program}' is not a valid name");
        }
        if (program.Contains('/', StringComparison.Ordinal))
        {
            string path = Path.GetFullPath(program);
            return KindOf(path) switch
            {
                Kind.Missing => throw new ArgumentException($"program '{program}' does not exist"),
                Kind.Directory => throw new ArgumentException($"program '{program}' is a directory"),
                Kind.Other => throw new ArgumentException($"program '{program}' is not a regular file"),
                _ when !IsExecutable(path) => throw new ArgumentException($"program '{program}' is not executable (chmod +x it)"),
                _ => path,
            };
        }
        string? notExecutable = null;
        foreach (string directory in searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.GetFullPath(Path.Combine(directory, program));
            if (KindOf(candidate) != Kind.File)
            {
                continue;
            }
            if (IsExecutable(candidate))
            {
                return candidate;
            }
            notExecutable ??= candidate;
        }
        throw new ArgumentException(notExecutable is null
            ? $"program '{program}' not found on PATH ({searchPath})"
            : $"program '{program}' is not executable: {notExecutable} (chmod +x it)");
    }

    // As root, access(X_OK) is true when any execute bit is set, which is exactly when exec would allow it.
    private static bool IsExecutable(string path) => LibC.Access(path, LibC.XOk) == 0;

    private static unsafe Kind KindOf(string path)
    {
        byte* buffer = stackalloc byte[LibC.StatxSize];
        if (LibC.Statx(LibC.AtFdCwd, path, 0, LibC.StatxType | LibC.StatxMode, buffer) != 0)
        {
            return Kind.Missing;
        }
        return (*(ushort*)(buffer + LibC.StatxModeOffset) & LibC.SIfMt) switch
        {
            LibC.SIfReg => Kind.File,
            LibC.SIfDir => Kind.Directory,
            _ => Kind.Other,
        };
    }
}
