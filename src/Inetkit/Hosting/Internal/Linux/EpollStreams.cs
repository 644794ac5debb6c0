using System.Runtime.InteropServices;
using Inetkit.Interop.Linux;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal.Linux;

/// <summary>
/// The connections of the services that answer input with itself or with nothing (echo, discard:
/// <see cref="Services.ITcpInputService"/>), on Linux: a few threads, each blocked in an epoll set of its own,
/// level-triggered, one receive and one send a message, as echo_limit does. The .NET socket engine gave each
/// message a completion, a continuation and a state machine on the shared epoll thread (tcp-echo 64x32 at
/// 0.82x of the C limit); and an idle connection held a Socket, its async context and a task, 3.0-3.5 KB where
/// here it holds a descriptor and two small objects (issue #17, docs/benchmarks.md).
/// </summary>
internal sealed class EpollStreams : IDisposable
{
    private readonly EpollLoop[] _loops;
    private int _next;

    private EpollStreams(EpollLoop[] loops) => _loops = loops;

    /// <summary>
    /// True where this works: Linux on x86-64 or arm64 (the structure layouts LibC declares), unless
    /// INETKIT_PORTABLE_TCP=1 asks for the portable path.
    /// </summary>
    public static bool IsSupported => OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64
        && Environment.GetEnvironmentVariable("INETKIT_PORTABLE_TCP") != "1";

    /// <summary>
    /// Half the CPUs, as many as the .NET socket engine is given (SocketEngineSettings): the other half is the
    /// clients' on a loaded machine, and two loops on two CPUs beside a load generator lost to the switches.
    /// </summary>
    public static int LoopCount => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>The loops, started; null where they are not supported or the kernel refuses an epoll set.</summary>
    public static EpollStreams? TryStart(HostContext host)
    {
        if (!IsSupported)
        {
            return null;
        }
        var loops = new List<EpollLoop>();
        for (int i = 0; i < LoopCount; i++)
        {
            if (EpollLoop.TryStart($"inetkit tcp streams {i}", EpollStreamConnection.BufferSize, m => host.ErrorLog.Log(LogLevel.Error, $"tcp connections: {m}")) is not { } loop)
            {
                break;
            }
            loops.Add(loop);
        }
        return loops.Count == 0 ? null : new EpollStreams([.. loops]);
    }

    /// <summary>Watches <paramref name="connection"/> on the next loop in turn; false if epoll refused it.</summary>
    public bool Add(EpollStreamConnection connection)
    {
        EpollLoop loop = _loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length)];
        GCHandle handle = GCHandle.Alloc(connection);
        connection.Attach(loop, handle);
        if (!loop.Add(connection.Fd, EpollStreamConnection.Reading, handle))
        {
            handle.Free();
            connection.Attach(loop, default);
            return false;
        }
        return true;
    }

    /// <summary>Stops the loops; called once every connection has ended.</summary>
    public void Dispose()
    {
        foreach (EpollLoop loop in _loops)
        {
            loop.Dispose();
        }
    }
}
