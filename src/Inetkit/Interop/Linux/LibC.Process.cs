using System.Runtime.InteropServices;

namespace Inetkit.Interop.Linux;

// The exec services' process layer (Exec/): posix_spawn and its attributes, pidfds, waitid, kill, the user and
// group databases, and the few file calls that checking a program and handing descriptors to a child need.
internal static partial class LibC
{
    public const int AfUnix = 1;
    public const int ENoEnt = 2;
    public const int ESrch = 3;
    public const int ENoExec = 8;
    public const int EChild = 10;
    public const int ERange = 34;

    public const int SigHup = 1;
    public const int SigInt = 2;
    public const int SigAbrt = 6;
    public const int SigKill = 9;
    public const int SigSegv = 11;
    public const int SigPipe = 13;
    public const int SigTerm = 15;

    /// <summary>posix_spawnattr_setflags flags, as glibc numbers them.</summary>
    public const short PosixSpawnSetPGroup = 0x02;
    public const short PosixSpawnSetSigDef = 0x04;
    public const short PosixSpawnSetSigMask = 0x08;

    public const int ORdWr = 0x2;
    public const int ONonBlock = 0x800;
    public const int FGetFl = 3;
    public const int FSetFl = 4;
    public const int FDupFdCloExec = 1030;
    public const int XOk = 1;
    public const int AtFdCwd = -100;
    public const uint StatxType = 0x1;
    public const uint StatxMode = 0x2;
    public const int StatxModeOffset = 28;
    public const int StatxSize = 256;
    public const int SIfMt = 0xF000;
    public const int SIfReg = 0x8000;
    public const int SIfDir = 0x4000;

    public const int EpollCloExec = 0x80000;
    public const uint EpollIn = 0x001;
    public const uint EpollOneShot = 1u << 30;

    public const int PPid = 1;
    public const int PPidFd = 3;
    public const int WNoHang = 1;
    public const int WExited = 4;
    public const int CldExited = 1;
    public const int CldKilled = 2;
    public const int CldDumped = 3;

    /// <summary>siginfo_t is 128 bytes on every Linux ABI, si_code at 8.</summary>
    public const int SigInfoSize = 128;
    public const int SigInfoCodeOffset = 8;

    /// <summary>A SIGCHLD siginfo's si_status follows si_pid and si_uid in the union, which 64-bit ABIs align to 8.</summary>
    public static int SigInfoStatusOffset => IntPtr.Size == 8 ? 24 : 20;

    /// <summary>pidfd_open's number is the same on every architecture (new system calls share one table since 5.1).</summary>
    public const nint SysPidFdOpen = 434;

    /// <summary>
    /// Room for the opaque posix_spawnattr_t (336 bytes on x86-64 glibc), posix_spawn_file_actions_t (80) and
    /// sigset_t (128): generous, so that no layout of theirs is assumed.
    /// </summary>
    public const int OpaqueRoom = 512;

    // The posix_spawn family returns an error number and leaves errno alone, hence no SetLastError.
    [LibraryImport("libc", EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int PosixSpawn(int* pid, string path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    public static unsafe partial int PosixSpawnAttrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    public static unsafe partial int PosixSpawnAttrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    public static unsafe partial int PosixSpawnAttrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setpgroup")]
    public static unsafe partial int PosixSpawnAttrSetPGroup(void* attributes, int processGroup);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    public static unsafe partial int PosixSpawnAttrSetSigMask(void* attributes, void* signalSet);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    public static unsafe partial int PosixSpawnAttrSetSigDefault(void* attributes, void* signalSet);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    public static unsafe partial int PosixSpawnFileActionsInit(void* fileActions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    public static unsafe partial int PosixSpawnFileActionsDestroy(void* fileActions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    public static unsafe partial int PosixSpawnFileActionsAddDup2(void* fileActions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int PosixSpawnFileActionsAddOpen(void* fileActions, int fd, string path, int flags, uint mode);

    /// <summary>glibc 2.29 and later.</summary>
    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np", StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int PosixSpawnFileActionsAddChdir(void* fileActions, string path);

    /// <summary>glibc 2.34 and later: a missing export throws <see cref="EntryPointNotFoundException"/> at the first call.</summary>
    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addclosefrom_np")]
    public static unsafe partial int PosixSpawnFileActionsAddCloseFrom(void* fileActions, int lowFd);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    public static unsafe partial int SigEmptySet(void* signalSet);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    public static unsafe partial int SigFillSet(void* signalSet);

    /// <summary>Through syscall(2), for glibc older than 2.36, which has no pidfd_open wrapper.</summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial nint Syscall(nint number, nint argument1, nint argument2);

    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    public static unsafe partial int WaitId(int idType, int id, byte* info, int options);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    public static unsafe partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Access(string path, int mode);

    /// <summary>statx, not stat: glibc before 2.33 exports stat only as __xstat, while statx's struct is the same on every architecture.</summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);

    // The _r lookups return an error number (0 with a null result: no such entry).
    [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int GetPwNamR(string name, Passwd* entry, byte* buffer, nuint length, Passwd** result);

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    public static unsafe partial int GetPwUidR(uint uid, Passwd* entry, byte* buffer, nuint length, Passwd** result);

    [LibraryImport("libc", EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int GetGrNamR(string name, Group* entry, byte* buffer, nuint length, Group** result);

    /// <summary>struct passwd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Passwd
    {
        public byte* Name;
        public byte* Password;
        public uint Uid;
        public uint Gid;
        public byte* Gecos;
        public byte* Directory;
        public byte* Shell;
    }

    /// <summary>struct group.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Group
    {
        public byte* Name;
        public byte* Password;
        public uint Gid;
        public byte** Members;
    }
}
