using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Inetkit.Interop.Linux;

namespace Inetkit.Exec;

/// <summary>
/// The user and group a child runs as. posix_spawn cannot change credentials, so the spawn runs
/// <c>setpriv --reuid=UID --regid=GID --init-groups -- PROGRAM ARGS</c>: util-linux's setpriv switches and then
/// execs in place, so the pid and the process group stay the child's. The program's argv[0] becomes its path.
/// Switching needs root (or CAP_SETUID and CAP_SETGID); without, setpriv exits 127 with a line on stderr.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed record ProcessCredentials(string UserName, uint Uid, uint Gid)
{
    private const int StartingBuffer = 4096;
    private const int LargestBuffer = 1 << 20;

    private static readonly Lazy<string?> Setpriv = new(FindSetpriv);

    /// <summary>
    /// False for a numeric uid that the passwd database does not know: setpriv's --init-groups needs the name, so
    /// such a child gets no supplementary groups (--clear-groups) instead.
    /// </summary>
    public bool HasPasswdEntry { get; init; } = true;

    /// <summary>setpriv as found on our PATH at first use, or null if it is not there.</summary>
    public static string? SetprivPath => Setpriv.Value;

    /// <summary>
    /// Looks up <paramref name="user"/> (a name, or a numeric uid) and <paramref name="group"/> (a name or a
    /// numeric gid; null for the user's own group). Throws <see cref="ArgumentException"/> with one line when
    /// either is unknown or setpriv is not on PATH, so a configuration fails at start and not per connection.
    /// </summary>
    public static ProcessCredentials Lookup(string user, string? group)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ProcessCredentials credentials;
        if (uint.TryParse(user, out uint uid))
        {
            credentials = FindUser(uid: uid) ?? (group is not null
                ? new ProcessCredentials(user, uid, 0) { HasPasswdEntry = false }
                : throw new ArgumentException($"user {uid} has no passwd entry: give a group too"));
        }
        else
        {
            credentials = FindUser(name: user) ?? throw new ArgumentException($"user '{user}' does not exist");
        }
        if (group is not null)
        {
            uint gid = uint.TryParse(group, out uint number) ? number : FindGroup(group) ?? throw new ArgumentException($"group '{group}' does not exist");
            credentials = credentials with { Gid = gid };
        }
        if (SetprivPath is null)
        {
            throw new ArgumentException($"switching to user {user} needs setpriv (util-linux) on PATH");
        }
        return credentials;
    }

    /// <summary>The setpriv arguments that come before "--" and the program.</summary>
    internal string[] SetprivOptions() =>
        [$"--reuid={Uid}", $"--regid={Gid}", HasPasswdEntry ? "--init-groups" : "--clear-groups"];

    private static string? FindSetpriv()
    {
        try
        {
            return ProgramPath.Resolve("setpriv", Environment.GetEnvironmentVariable("PATH") ?? ChildEnvironment.DefaultPath);
        }
        catch (ArgumentException)
        {
            // Not installed: Lookup reports it when a service asks for a user.
            return null;
        }
    }

    private static unsafe ProcessCredentials? FindUser(string? name = null, uint uid = 0)
    {
        for (int size = StartingBuffer; ; size *= 2)
        {
            byte* buffer = (byte*)NativeMemory.Alloc((nuint)size);
            try
            {
                LibC.Passwd entry;
                LibC.Passwd* found;
                int error = name is null
                    ? LibC.GetPwUidR(uid, &entry, buffer, (nuint)size, &found)
                    : LibC.GetPwNamR(name, &entry, buffer, (nuint)size, &found);
                if (error == LibC.ERange && size < LargestBuffer)
                {
                    continue;
                }
                if (error is LibC.ENoEnt or LibC.ESrch or LibC.EBadF or LibC.EPerm)
                {
                    return null; // "not found" as some NSS modules say it (getpwnam_r(3), NOTES)
                }
                if (error != 0)
                {
                    throw new ArgumentException($"cannot look up user '{name ?? uid.ToString()}': {Marshal.GetPInvokeErrorMessage(error)}");
                }
                return found is null
                    ? null
                    : new ProcessCredentials(Marshal.PtrToStringUTF8((nint)found->Name) ?? "", found->Uid, found->Gid);
            }
            finally
            {
                NativeMemory.Free(buffer);
            }
        }
    }

    private static unsafe uint? FindGroup(string name)
    {
        for (int size = StartingBuffer; ; size *= 2)
        {
            byte* buffer = (byte*)NativeMemory.Alloc((nuint)size);
            try
            {
                LibC.Group entry;
                LibC.Group* found;
                int error = LibC.GetGrNamR(name, &entry, buffer, (nuint)size, &found);
                // A group with many members outgrows the first buffer.
                if (error == LibC.ERange && size < LargestBuffer)
                {
                    continue;
                }
                if (error is LibC.ENoEnt or LibC.ESrch or LibC.EBadF or LibC.EPerm)
                {
                    return null;
                }
                if (error != 0)
                {
                    throw new ArgumentException($"cannot look up group '{name}': {Marshal.GetPInvokeErrorMessage(error)}");
                }
                return found is null ? null : found->Gid;
            }
            finally
            {
                NativeMemory.Free(buffer);
            }
        }
    }
}
