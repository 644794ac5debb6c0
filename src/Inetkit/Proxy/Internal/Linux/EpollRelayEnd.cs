using System.Buffers;
using System.Runtime.InteropServices;
using Inetkit.Interop.Linux;

namespace Inetkit.Proxy.Internal.Linux;

/// <summary>
/// One socket of an <see cref="EpollRelay"/>, the client's or the server's: what it is watched for, whether its
/// input is still read, and what is owed to it (bytes read from the other side that it has not taken yet). Used on
/// the loop's thread only.
/// </summary>
internal sealed unsafe class EpollRelayEnd(EpollRelay relay, int fd, bool isClient) : IEpollReady
{
    private uint _watched;
    private bool _inSet;

    public int Fd { get; } = fd;

    public bool IsClient { get; } = isClient;

    public GCHandle Handle { get; set; }

    public EpollRelayEnd Peer { get; set; } = null!;

    /// <summary>Its input is read (false once it has sent its FIN, or while its peer has not taken what came before).</summary>
    public bool Reading { get; set; }

    /// <summary>It has sent its FIN.</summary>
    public bool Ended { get; set; }

    /// <summary>Its peer's FIN has been passed on to it (shutdown(SHUT_WR)).</summary>
    public bool FinSent { get; set; }

    private byte[]? _owed;
    private int _owedOffset;

    public int OwedLength { get; private set; }

    public ReadOnlySpan<byte> Owed => _owed.AsSpan(_owedOffset, OwedLength);

    /// <summary>Keeps what it did not take yet: a whole pool buffer whatever the rest, as the host's echo does.</summary>
    public void Owe(ReadOnlySpan<byte> rest, int bufferSize)
    {
        _owed = ArrayPool<byte>.Shared.Rent(bufferSize);
        rest.CopyTo(_owed);
        _owedOffset = 0;
        OwedLength = rest.Length;
    }

    public void Took(int count)
    {
        _owedOffset += count;
        OwedLength -= count;
        if (OwedLength == 0)
        {
            ReturnOwed();
        }
    }

    public void ReturnOwed()
    {
        if (_owed is not null)
        {
            ArrayPool<byte>.Shared.Return(_owed);
            _owed = null;
            _owedOffset = 0;
            OwedLength = 0;
        }
    }

    /// <summary>The events it waits for now: input while read, room while something is owed to it.</summary>
    public uint Events => (Reading ? LibC.EpollIn : 0) | (OwedLength > 0 ? LibC.EpollOut : 0);

    /// <summary>Epoll refused to take it back: the relay ends it at the next ask.</summary>
    public bool Lost { get; private set; }

    /// <summary>
    /// Tells epoll what it waits for now, if that changed. A socket shut both ways (its FIN in, ours sent) reports
    /// a hang-up at every wait, whatever it is watched for, while its last input may still wait for its peer to
    /// take what came before: it leaves the set until it is read again.
    /// </summary>
    public void Rewatch(EpollLoop loop)
    {
        uint events = Events;
        if (events == 0 && FinSent)
        {
            Leave(loop);
        }
        else if (!_inSet)
        {
            _inSet = loop.Add(Fd, events, Handle);
            _watched = events;
            if (!_inSet)
            {
                Lost = true;
                loop.End(this);
            }
        }
        else if (events != _watched)
        {
            _watched = events;
            loop.Watch(Fd, events, Handle);
        }
    }

    /// <summary>Out of the set until <see cref="Rewatch"/> finds it waiting for something again.</summary>
    public void Leave(EpollLoop loop)
    {
        if (_inSet)
        {
            loop.Forget(Fd);
            _inSet = false;
        }
    }

    /// <summary>It has been added to the set, for <paramref name="events"/>.</summary>
    public void Watching(uint events)
    {
        _inSet = true;
        _watched = events;
    }

    public void OnReady(uint events, byte* buffer) => relay.OnReady(this, events, buffer);

    public void OnEndAsked() => relay.OnEndAsked();

    public void OnFailed(Exception error) => relay.OnFailed(error);
}
