using System.Buffers;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Inetkit.Exec.Internal;
using Microsoft.Win32.SafeHandles;

namespace Inetkit.Exec;

/// <summary>
/// A child's stderr as lines: owns both ends of a <see cref="SocketPair"/>, gives the child's end to the spawn
/// (<see cref="ChildFd"/>) and reads ours, calling back once per line (see <see cref="LineSplitter"/> for how
/// bytes become lines: UTF-8, long lines cut at 4,096 bytes). Rate limiting is the caller's.
/// <code>
/// using var stderr = StderrLines.Open(line => log(line));
/// var child = ChildProcess.Spawn(request with { StderrFd = stderr.ChildFd });
/// stderr.ReleaseChildEnd();
/// await stderr.ReadAsync(cancellationToken); // ends when the child and everything it started have closed stderr
/// </code>
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class StderrLines : IDisposable
{
    private const int ReceiveBytes = 4096;

    private readonly Socket _ours;
    private readonly SafeFileHandle _child;
    private readonly LineSplitter _splitter;

    private StderrLines(Socket ours, SafeFileHandle child, Action<string> line)
    {
        _ours = ours;
        _child = child;
        _splitter = new LineSplitter(line);
    }

    /// <summary>The child's end, for <see cref="SpawnRequest.StderrFd"/>; valid until <see cref="ReleaseChildEnd"/>.</summary>
    public int ChildFd => (int)_child.DangerousGetHandle();

    /// <summary>Creates the pair. <paramref name="line"/> runs on a pool thread, one line at a time; if it throws, <see cref="ReadAsync"/> faults.</summary>
    public static StderrLines Open(Action<string> line)
    {
        ArgumentNullException.ThrowIfNull(line);
        (Socket ours, SafeFileHandle child) = SocketPair.Create();
        return new StderrLines(ours, child, line);
    }

    /// <summary>
    /// Closes our copy of the child's end; call it once the child is spawned (or its spawn failed). Until then the
    /// reading never sees the end of the stream, since our copy keeps the pair open.
    /// </summary>
    public void ReleaseChildEnd() => _child.Dispose();

    /// <summary>
    /// Reads to the end of the stream, calling back per line; the last line is delivered even without its \n.
    /// The end comes when every copy of the child's end is closed: the child's, its children's, and ours
    /// (<see cref="ReleaseChildEnd"/>). Call it once.
    /// </summary>
    public async Task ReadAsync(CancellationToken cancellationToken = default)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveBytes);
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await _ours.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    // Not expected from a stream pair the child only writes to; read as the end all the same.
                    read = 0;
                }
                if (read == 0)
                {
                    _splitter.Finish();
                    return;
                }
                _splitter.Feed(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes both ends; a pending <see cref="ReadAsync"/> ends with an exception.</summary>
    public void Dispose()
    {
        _child.Dispose();
        _ours.Dispose();
    }
}
