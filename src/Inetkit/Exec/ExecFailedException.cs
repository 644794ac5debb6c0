using System.Runtime.InteropServices;

namespace Inetkit.Exec;

/// <summary>
/// A service's program could not be started: the exec itself failed (ENOENT, EACCES, ENOEXEC...) or the process
/// could not be set up. The message is one line: <c>cannot run /srv/prog: Permission denied</c>. When the program
/// runs under another user, setpriv does the final exec, so a failure there is an exit code of 127 and a line on
/// the child's stderr instead.
/// </summary>
public sealed class ExecFailedException : Exception
{
    /// <summary>Creates the exception for <paramref name="errorNumber"/>, described by strerror unless <paramref name="detail"/> says more.</summary>
    public ExecFailedException(string path, int errorNumber, string? detail = null)
        : base($"cannot run {path}: {detail ?? Marshal.GetPInvokeErrorMessage(errorNumber)}")
    {
        Path = path;
        ErrorNumber = errorNumber;
    }

    /// <summary>The program's absolute path.</summary>
    public string Path { get; }

    /// <summary>The errno value (2 ENOENT, 8 ENOEXEC, 13 EACCES...).</summary>
    public int ErrorNumber { get; }
}
