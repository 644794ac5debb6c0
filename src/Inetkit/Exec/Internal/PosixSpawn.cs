using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Inetkit.Interop.Linux;

namespace Inetkit.Exec.Internal;

/// <summary>
/// One posix_spawn with the child set up as a service wants it: descriptors 0-2 and nothing else, its own process
/// group, no blocked signals and every signal at its default, the working directory changed. glibc runs it with
/// clone(CLONE_VM | CLONE_VFORK), which is safe from a multithreaded runtime where fork is not, and the parent
/// resumes only once the child has exec'd or failed to, so an exec failure comes back as the return value.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe class PosixSpawn
{
    private const short Flags = LibC.PosixSpawnSetPGroup | LibC.PosixSpawnSetSigDef | LibC.PosixSpawnSetSigMask;

    // Set once a call found posix_spawn_file_actions_addclosefrom_np missing (glibc before 2.34).
    private static volatile bool _closeFromMissing;

    /// <summary>Returns 0 and the child's pid, or the error number posix_spawn (or the child's exec) failed with.</summary>
    public static int Run(string path, NativeStringArray argv, NativeStringArray envp, int stdinFd, int stdoutFd, int? stderrFd, string workingDirectory, out int pid)
    {
        void* attributes = NativeMemory.AllocZeroed(LibC.OpaqueRoom);
        void* actions = NativeMemory.AllocZeroed(LibC.OpaqueRoom);
        void* signals = NativeMemory.AllocZeroed(LibC.OpaqueRoom);
        var lifted = new List<int>(3);
        bool attributesMade = false;
        bool actionsMade = false;
        try
        {
            Check(LibC.PosixSpawnAttrInit(attributes));
            attributesMade = true;
            Check(LibC.PosixSpawnFileActionsInit(actions));
            actionsMade = true;

            // Group 0: the child leads a new group whose id is its pid, so the whole group can be signalled.
            Check(LibC.PosixSpawnAttrSetFlags(attributes, Flags));
            Check(LibC.PosixSpawnAttrSetPGroup(attributes, 0));
            Check(LibC.SigEmptySet(signals) == 0 ? 0 : LibC.EInval);
            Check(LibC.PosixSpawnAttrSetSigMask(attributes, signals));
            // Ignored dispositions survive exec, and the runtime ignores SIGPIPE: without this a child's
            // `yes | head -1` would leave yes failing writes instead of dying of SIGPIPE.
            Check(LibC.SigFillSet(signals) == 0 ? 0 : LibC.EInval);
            // sigfillset leaves out glibc's own signals (32 and 33: cancellation, setxid), which its posix_spawn
            // then sets to SIG_IGN in the child, and an exec keeps them ignored. The set's first 64 bits name
            // signals 1-64 whatever the word size or byte order, so all ones there mean every signal.
            *(ulong*)signals = ulong.MaxValue;
            Check(LibC.PosixSpawnAttrSetSigDefault(attributes, signals));

            int stdin = Prepare(stdinFd, lifted);
            int stdout = stdoutFd == stdinFd ? stdin : Prepare(stdoutFd, lifted);
            Check(LibC.PosixSpawnFileActionsAddDup2(actions, stdin, 0));
            Check(LibC.PosixSpawnFileActionsAddDup2(actions, stdout, 1));
            if (stderrFd is int stderr)
            {
                Check(LibC.PosixSpawnFileActionsAddDup2(actions, Prepare(stderr, lifted), 2));
            }
            else
            {
                Check(LibC.PosixSpawnFileActionsAddOpen(actions, 2, "/dev/null", LibC.ORdWr, 0));
            }
            Check(LibC.PosixSpawnFileActionsAddChdir(actions, workingDirectory));
            AddCloseFrom(actions);

            int child;
            int error = LibC.PosixSpawn(&child, path, actions, attributes, argv.Pointer, envp.Pointer);
            pid = error == 0 ? child : 0;
            return error;
        }
        finally
        {
            foreach (int fd in lifted)
            {
                LibC.Close(fd);
            }
            if (actionsMade)
            {
                _ = LibC.PosixSpawnFileActionsDestroy(actions);
            }
            if (attributesMade)
            {
                _ = LibC.PosixSpawnAttrDestroy(attributes);
            }
            NativeMemory.Free(signals);
            NativeMemory.Free(actions);
            NativeMemory.Free(attributes);
        }
    }

    /// <summary>
    /// The descriptor to dup2 from. One below 3 (possible when our own stdin or stdout was closed at start) is
    /// copied above 2 first: dup2 in order onto 0, 1, 2 would otherwise overwrite a source before it is read.
    /// O_NONBLOCK is cleared because programs expect blocking standard descriptors, and an accepted socket is
    /// often non-blocking; the flag belongs to the open file, so the parent's copy changes too.
    /// </summary>
    private static int Prepare(int fd, List<int> lifted)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        int flags = LibC.Fcntl(fd, LibC.FGetFl, 0);
        if (flags < 0 || ((flags & LibC.ONonBlock) != 0 && LibC.Fcntl(fd, LibC.FSetFl, flags & ~LibC.ONonBlock) < 0))
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new ArgumentException($"descriptor {fd} cannot be given to a child: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        if (fd > 2)
        {
            return fd;
        }
        int copy = LibC.Fcntl(fd, LibC.FDupFdCloExec, 3);
        if (copy < 0)
        {
            throw new IOException($"cannot copy descriptor {fd}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        lifted.Add(copy);
        return copy;
    }

    /// <summary>
    /// Closes every descriptor above 2 in the child. Ours carry O_CLOEXEC already (.NET opens all with it), but one
    /// that our own parent left us without it (systemd's, a shell's) would otherwise reach every child.
    /// </summary>
    private static void AddCloseFrom(void* actions)
    {
        if (_closeFromMissing)
        {
            return;
        }
        try
        {
            Check(LibC.PosixSpawnFileActionsAddCloseFrom(actions, 3));
        }
        catch (EntryPointNotFoundException)
        {
            // glibc before 2.34: rely on O_CLOEXEC alone.
            _closeFromMissing = true;
        }
    }

    private static void Check(int error)
    {
        if (error != 0)
        {
            throw new IOException($"cannot prepare posix_spawn: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }
}
