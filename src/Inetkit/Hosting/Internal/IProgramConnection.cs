using Inetkit.Services;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// A connection handed to a program whose stdin and stdout are the socket itself: the stream sees none of its
/// bytes, so the program's side tells what the connection log and the idle timeout need.
/// </summary>
internal interface IProgramConnection : ITcpService
{
    /// <summary>When a byte last moved either way, in the host clock's ticks (read from the socket's TCP_INFO).</summary>
    long LastActivity();

    long? BytesIn { get; }

    long? BytesOut { get; }

    int? Pid { get; }

    /// <summary>How the program ended (<c>exit(0)</c>, <c>SIGKILL</c>), once it has.</summary>
    string? Exit { get; }

    /// <summary>It was stopped by the exec timeout.</summary>
    bool TimedOut { get; }
}
