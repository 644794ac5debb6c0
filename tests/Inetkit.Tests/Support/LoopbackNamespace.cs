using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Inetkit.Tests.Support;

/// <summary>
/// A network namespace whose only interface is <c>lo</c> (up), made by this test process, for Chromium and the
/// servers its pages load from.
/// </summary>
/// <remarks>
/// <para>
/// Why it exists: the tests send traffic to loopback only, and a browser sends more than its pages ask for. When a
/// context starts, Chromium <c>connect()</c>s a UDP socket to [2001:4860:4860::8888]:443 to learn whether IPv6 is
/// reachable. No datagram goes out, but the route lookup alone had the kernel send a neighbour solicitation for the
/// gateway out of the machine's real interface (caught by tcpdump). <see cref="BrowserPage"/>'s request filter and
/// the resolver rules cannot stop that: it is the browser's, not a page's. Inside this namespace there is no
/// interface but lo and no route but loopback's, so every such lookup fails with "network unreachable" and nothing
/// Chromium does can leave the machine.
/// </para>
/// <para>
/// How: a dedicated thread <c>unshare(CLONE_NEWNET)</c>s, brings lo up (SIOCSIFFLAGS) and opens
/// /proc/thread-self/ns/net; that descriptor, held by this object, keeps the namespace alive and is its handle. No
/// name is registered anywhere (unlike <c>ip netns add</c>), so nothing outlives the process to be found stale: the
/// namespace goes when the descriptor is closed and the last process in it has exited. Others join it by the path
/// <see cref="Path"/> (/proc/&lt;this pid&gt;/fd/&lt;n&gt;): child processes through <c>nsenter --net=</c>
/// (<see cref="Enter"/>, <see cref="StartInfo"/>; Chromium is started that way by <see cref="Browser"/>, and
/// Playwright's <c>--remote-debugging-pipe</c> is two inherited descriptors, indifferent to namespaces); in-process
/// servers through a socket made on a thread that has <c>setns</c>'d into it (<see cref="Listen"/>,
/// <see cref="CreateInside{T}"/>, <see cref="ListenInside"/> for Kestrel). A socket stays in the namespace it
/// was created in, whatever thread uses it later; the thread ends right after, so no other code runs inside.
/// </para>
/// <para>
/// Playwright's driver (node) stays outside: it speaks to the browser over the pipe only. Its own HTTP client
/// (<c>APIRequest</c>, <c>route.FetchAsync</c>) would therefore run outside and could not reach the servers here;
/// the harness uses neither. (<see cref="NetworkNamespace"/> is another thing: a script run in a throwaway
/// <c>unshare -n</c>.)
/// </para>
/// <para>Needs root (CAP_SYS_ADMIN) and nsenter (util-linux). CI runs as root.</para>
/// </remarks>
internal sealed partial class LoopbackNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private const int OpenReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC
    private const ulong GetInterfaceFlags = 0x8913; // SIOCGIFFLAGS
    private const ulong SetInterfaceFlags = 0x8914; // SIOCSIFFLAGS
    private const short InterfaceUp = 0x1; // IFF_UP
    private const string Nsenter = "/usr/bin/nsenter";

    private static readonly Lazy<(LoopbackNamespace? Namespace, string? Failure)> SharedOne = new(() =>
    {
        if (!Available)
        {
            return (null, Unavailable);
        }
        try
        {
            return (Create(), null);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return (null, $"could not make a network namespace: {e.Message}");
        }
    });

    private readonly int _fd;
    private bool _disposed;

    private LoopbackNamespace(int fd, string identity)
    {
        _fd = fd;
        Identity = identity;
        Path = $"/proc/{Environment.ProcessId}/fd/{fd}";
    }

    /// <summary>Root, and nsenter to start processes inside.</summary>
    public static bool Available => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0 && File.Exists(Nsenter);

    public const string Unavailable =
        "Chromium and the servers it loads from run only inside a network namespace of the test's own, which needs root and nsenter (CI runs as root; util-linux has nsenter)";

    /// <summary>
    /// The one namespace of this process that every <see cref="Browser"/> and <see cref="LoopbackSite"/> uses, made on
    /// first use and kept until the process exits (the kernel frees it then). Skips the test when it cannot be made.
    /// </summary>
    public static LoopbackNamespace Shared
    {
        get
        {
            Require();
            return SharedOne.Value.Namespace!;
        }
    }

    /// <summary>Skips the test unless <see cref="Shared"/> can be had, saying why not.</summary>
    public static void Require()
    {
        Assert.SkipUnless(Available, Unavailable);
        Assert.SkipWhen(SharedOne.Value.Failure is not null, SharedOne.Value.Failure ?? "");
    }

    /// <summary>/proc/&lt;pid&gt;/fd/&lt;n&gt;: the namespace, for <c>nsenter --net=</c> (or anything that opens it for setns).</summary>
    public string Path { get; }

    /// <summary>"net:[inode]", as /proc/&lt;pid&gt;/ns/net reads for every process inside.</summary>
    public string Identity { get; }

    /// <summary>A new namespace, lo up. Prefer <see cref="Shared"/>; this one goes when disposed (and its processes have exited).</summary>
    public static LoopbackNamespace Create() => OnThread("make the namespace", () =>
    {
        Check(Unshare(CloneNewNet), "unshare(CLONE_NEWNET)");
        BringLoopbackUp();
        int fd = Open("/proc/thread-self/ns/net", OpenReadOnlyCloseOnExec);
        Check(fd, "open /proc/thread-self/ns/net");
        return new LoopbackNamespace(fd, new FileInfo($"/proc/self/fd/{fd}").LinkTarget ?? "?");
    });

    /// <summary>
    /// Runs <paramref name="create"/> on a new thread that has joined the namespace, and returns what it made; the
    /// thread ends with it. For synchronous socket calls only (socket, bind, listen, connect): a thread started or
    /// awaited from inside would run in the namespace too.
    /// </summary>
    public T CreateInside<T>(Func<T> create)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return OnThread("work inside the namespace", () =>
        {
            Check(SetNamespace(_fd, CloneNewNet), "setns(CLONE_NEWNET)");
            return create();
        });
    }

    /// <summary>A TCP socket listening on <paramref name="endpoint"/> (default 127.0.0.1, a port the kernel picks) inside the namespace; the caller owns it.</summary>
    public Socket Listen(IPEndPoint? endpoint = null, int backlog = 512) => CreateInside(() =>
    {
        var socket = new Socket(endpoint?.AddressFamily ?? AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endpoint ?? new IPEndPoint(IPAddress.Loopback, 0));
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    });

    /// <summary>
    /// Has Kestrel's socket transport make its listening sockets inside the namespace: every <c>Listen</c> of the
    /// server (say, <c>k.Listen(IPAddress.Loopback, 0)</c>) then binds there, and Kestrel owns and closes the socket as
    /// it does its own. Its addresses feature reports the real port as usual.
    /// </summary>
    public void ListenInside(Microsoft.AspNetCore.Hosting.IWebHostBuilder webHost) =>
        Microsoft.AspNetCore.Hosting.WebHostBuilderSocketExtensions.UseSockets(webHost, options =>
            options.CreateBoundListenSocket = endpoint => CreateInside(() =>
                Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint)));

    /// <summary>
    /// The command prefix that runs a program inside the namespace: <c>nsenter --net=&lt;Path&gt; --</c>. nsenter
    /// joins and execs, so the process it starts keeps its pid (signals reach it directly). For example
    /// <c>ChildProcess.StartWrapped(ns.Enter, "demo", "--web", "--listen", "127.0.0.1:0")</c>.
    /// </summary>
    public string[] Enter
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return [Nsenter, $"--net={Path}", "--"];
        }
    }

    /// <summary>
    /// <paramref name="fileName"/> with <paramref name="arguments"/>, to be run inside the namespace (through
    /// <see cref="Enter"/>), its standard streams redirected as <see cref="ChildProcess"/> wants them:
    /// <c>new ChildProcess(Process.Start(ns.StartInfo("python3", ...))!)</c>.
    /// </summary>
    public ProcessStartInfo StartInfo(string fileName, params IEnumerable<string> arguments)
    {
        string[] enter = Enter;
        var info = new ProcessStartInfo(enter[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in enter.Skip(1).Append(fileName).Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }
        return info;
    }

    /// <summary>
    /// A shell script at <paramref name="path"/> that runs <paramref name="executable"/> inside the namespace with
    /// the arguments it is given: for callers that take one executable's path and start it themselves (Playwright's
    /// <c>ExecutablePath</c>).
    /// </summary>
    public void WriteWrapper(string path, string executable)
    {
        File.WriteAllText(path, $"""
            #!/bin/sh
            # Written by the tests (Support/LoopbackNamespace.cs): runs {executable} in a network namespace whose only interface is lo.
            exec {string.Join(' ', Enter)} {executable} "$@"

            """);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("network namespaces are Linux's");
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
    }

    /// <summary>The interfaces of the network namespace <paramref name="pid"/> is in, from /proc/&lt;pid&gt;/net/dev.</summary>
    public static IReadOnlyList<string> InterfacesOf(int pid) =>
        [.. File.ReadLines($"/proc/{pid}/net/dev").Skip(2).Select(line => line.Split(':')[0].Trim())];

    /// <summary>The network namespace <paramref name="pid"/> is in, as "net:[inode]" (null once it has exited).</summary>
    public static string? NamespaceOf(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/net").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Close(_fd);
        }
    }

    private static T OnThread<T>(string what, Func<T> work)
    {
        T? result = default;
        Exception? failure = null;
        // A thread of its own: the namespace a thread joins is the thread's, and it ends with it.
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { IsBackground = true, Name = "inetkit-netns" };
        thread.Start();
        if (!thread.Join(TestTimeout.Bound))
        {
            throw new TimeoutException($"the thread sent to {what} did not finish within {TestTimeout.Bound.TotalSeconds:0} s");
        }
        if (failure is not null)
        {
            throw failure is SocketException or InvalidOperationException ? failure : new InvalidOperationException($"could not {what}: {failure.Message}", failure);
        }
        return result!;
    }

    /// <summary>ioctl SIOCSIFFLAGS on lo, IFF_UP added to what SIOCGIFFLAGS reads; on the calling thread's namespace.</summary>
    private static unsafe void BringLoopbackUp()
    {
        int socket = Socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */ | 0x80000 /* SOCK_CLOEXEC */, 0);
        Check(socket, "socket(AF_INET, SOCK_DGRAM)");
        try
        {
            // struct ifreq: a 16-byte name, then a union whose short ifr_flags is first; 40 bytes in all.
            byte* request = stackalloc byte[40];
            new Span<byte>(request, 40).Clear();
            request[0] = (byte)'l';
            request[1] = (byte)'o';
            Check(Ioctl(socket, GetInterfaceFlags, request), "ioctl(lo, SIOCGIFFLAGS)");
            *(short*)(request + 16) |= InterfaceUp;
            Check(Ioctl(socket, SetInterfaceFlags, request), "ioctl(lo, SIOCSIFFLAGS)");
        }
        finally
        {
            Close(socket);
        }
    }

    private static void Check(int result, string call)
    {
        if (result < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    private static partial int Unshare(int flags);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNamespace(int fd, int type);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, ulong request, byte* argument);
}
