using System.Net;
using System.Net.Sockets;
using Inetkit.Impairment;
using Inetkit.Protocol;
using Inetkit.Tracing;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// A UDP service's replies through <c>--impair</c>: lost, duplicated, reordered, delayed, corrupted as the spec says,
/// and sent from the service's own socket. Toward a source beyond loopback nothing is ever duplicated (unless
/// --allow-amplification): an impaired server is still not an amplifier.
/// </summary>
internal sealed class ImpairedReplies : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly DatagramImpairer<IPEndPoint> _loopback;
    private readonly DatagramImpairer<IPEndPoint> _beyond;
    private readonly HostContext _host;
    private readonly Tracer _trace;
    private readonly string _name;

    private ImpairedReplies(Socket socket, ServiceRuntime runtime, HostContext host, Tracer trace, ImpairmentSpec spec, DatagramImpairment profile)
    {
        _socket = socket;
        _host = host;
        _trace = trace;
        _name = $"{runtime.Name}/udp";
        int seed = spec.Seed ?? Random.Shared.Next();
        Action<string>? narrate = trace.Enabled ? trace.Call : null;
        Action<ReadOnlyMemory<byte>, IPEndPoint, ImpairmentEffects, string>? decided = trace.Enabled ? Decided : null;
        _loopback = new DatagramImpairer<IPEndPoint>(profile, seed, host.Clock, SendAsync, narrate, decided);
        _beyond = runtime.AllowAmplification ? _loopback : new DatagramImpairer<IPEndPoint>(profile with { Duplicate = 0 }, seed, host.Clock, SendAsync, narrate, decided);
        host.Impairments.Register(runtime, Transport.Udp, () => ReferenceEquals(_beyond, _loopback) ? _loopback.Counters : ImpairmentCounters.Sum(_loopback.Counters, _beyond.Counters));
    }

    /// <summary>The engines for this service's replies, or null when its impairment leaves datagrams alone.</summary>
    public static ImpairedReplies? For(Socket socket, ServiceRuntime runtime, HostContext host, Tracer trace)
    {
        ImpairmentSpec spec = runtime.Impairment;
        DatagramImpairment profile = spec.DatagramsDown;
        return profile.IsNone ? null : new ImpairedReplies(socket, runtime, host, trace, spec, profile);
    }

    /// <summary>Hands one reply over (copied by the engine where it holds it); a decision, never a wait.</summary>
    public void Submit(ReadOnlyMemory<byte> reply, SocketAddress to, bool loopback)
    {
        var target = (IPEndPoint)new IPEndPoint(to.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(to);
        ValueTask submitted = (loopback ? _loopback : _beyond).SubmitAsync(reply, target);
        if (!submitted.IsCompletedSuccessfully)
        {
            submitted.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The reply's fate, as the sendto it was: <c>sendto(11 bytes, 127.0.0.1:53211) -> lost (impairment: loss 5%)</c>.</summary>
    private void Decided(ReadOnlyMemory<byte> datagram, IPEndPoint to, ImpairmentEffects effects, string narration) =>
        _trace.Call("sendto", $"{datagram.Length} bytes, {to}", narration, datagram.Span, to, _socket.LocalEndPoint, impairment: effects);

    private ValueTask SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint to)
    {
        try
        {
            if (_trace.Enabled)
            {
                _trace.Call("sendto", $"{datagram.Length} bytes, {to}", data: datagram.Span, peer: to, local: _socket.LocalEndPoint);
            }
            _socket.SendTo(datagram.Span, SocketFlags.None, to);
        }
        catch (SocketException e)
        {
            _host.ErrorLog.Log(LogLevel.Debug, $"{_name}: sendto {to} failed: {e.Message}");
        }
        catch (ObjectDisposedException)
        {
            // Stopped: what the engine still held is dropped with the socket.
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Stops the engines' timers; what they still held is dropped and counted as abandoned.</summary>
    public async ValueTask DisposeAsync()
    {
        await _loopback.DisposeAsync();
        if (!ReferenceEquals(_beyond, _loopback))
        {
            await _beyond.DisposeAsync();
        }
    }
}
