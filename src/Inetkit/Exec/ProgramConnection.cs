using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting.Internal;
using Inetkit.Interop.Linux;
using Inetkit.Protocol;
using Inetkit.Tracing;
using Microsoft.Extensions.Logging;

// Only Linux runs programs: ServiceRuntime makes an ExecRunner nowhere else (ResolvedProgram refuses), so
// every call here into the Linux-only process layer is reached on Linux alone.
#pragma warning disable CA1416

namespace Inetkit.Exec;

/// <summary>
/// One TCP connection served by a program, inetd's "nowait": the accepted socket itself is the program's stdin and
/// stdout, so its reads and writes are the connection's with nothing of ours between (back-pressure is TCP's own).
/// When it exits, the host's close follows as for any service: our FIN after everything it wrote, then the wait
/// for the client's FIN, so that input it left unread cannot turn the close into a reset. We keep the socket open
/// meanwhile, so a grandchild that kept it cannot keep the client waiting: the FIN is ours to send.
/// </summary>
internal sealed class ProgramConnection(ExecRunner runner, Socket client, IPEndPoint remote, Tracer trace, HostContext host) : IProgramConnection
{
    private TcpInfo? _last;

    public long? BytesIn => _last?.BytesReceived;

    public long? BytesOut => _last?.BytesOut;

    public int? Pid { get; private set; }

    public string? Exit { get; private set; }

    public bool TimedOut { get; private set; }

    public long LastActivity()
    {
        long now = host.Clock.GetTimestamp();
        if (TcpInfo.Read(client.SafeHandle) is not { } info)
        {
            return now;
        }
        uint quiet = Math.Min(info.MillisecondsSinceSend, info.MillisecondsSinceReceive);
        return now - (long)(quiet / 1000.0 * host.Clock.TimestampFrequency);
    }

    public async ValueTask HandleAsync(Stream connection, CancellationToken cancellationToken)
    {
        int fd = (int)client.SafeHandle.DangerousGetHandle();
        // The program reads and writes in blocking calls, as every inetd child does. Nothing of ours touches the
        // socket until it has exited and the flag is back.
        LibC.SetNonBlocking(fd, false);
        ChildProcess child;
        try
        {
            child = runner.Start(Transport.Tcp, remote, (IPEndPoint)client.LocalEndPoint!, fd, trace);
        }
        catch (ExecFailedException e)
        {
            LibC.SetNonBlocking(fd, true);
            runner.Unreserve();
            host.ErrorLog.Log(LogLevel.Error, $"{runner.Service}/tcp: {e.Message}");
            throw new IOException(e.Message, e);
        }
        Pid = child.Pid;
        ExecProgram program = runner.Program;
        using ITimer? timeout = runner.StartTimeout(child, () => TimedOut = true);
        // The stop: SIGTERM now, SIGKILL when the grace is over (the host cancels the connection then).
        using CancellationTokenRegistration stopping = host.Stopping.Register(child.Terminate);
        using CancellationTokenRegistration aborted = cancellationToken.Register(() =>
        {
            if (host.Stopping.IsCancellationRequested)
            {
                child.Kill();
            }
            else
            {
                _ = child.StopAsync(ExecRunner.KillAfter);
            }
        });
        ChildExit exit = await child.Exited;
        Exit = exit.Brief;
        _last = TcpInfo.Read(client.SafeHandle);
        LibC.SetNonBlocking(fd, true);
        cancellationToken.ThrowIfCancellationRequested();
        if (TimedOut && trace.Enabled)
        {
            trace.Call($"(exec timeout: {program.Timeout!.Value.TotalSeconds:0.###} s)");
        }
    }
}
