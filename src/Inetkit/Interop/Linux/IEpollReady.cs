namespace Inetkit.Interop.Linux;

/// <summary>What an <see cref="EpollLoop"/> watches: every member runs on the loop's thread (or on a broken loop's asker).</summary>
internal unsafe interface IEpollReady
{
    /// <summary>Its descriptor is ready for <paramref name="events"/>; <paramref name="buffer"/> is the loop's, for this call only.</summary>
    void OnReady(uint events, byte* buffer);

    /// <summary>Another thread asked for its end (<see cref="EpollLoop.End"/>): a stop, a timeout, a change to look at.</summary>
    void OnEndAsked();

    /// <summary><see cref="OnReady"/> threw: it alone ends, and says why where its owner logs.</summary>
    void OnFailed(Exception error);
}
