using System.Net;
using Inetkit.Protocol;

namespace Inetkit.Clients;

/// <summary>An echo exchange: what came back and how long it took.</summary>
public sealed record EchoReply(byte[] Data, TimeSpan RoundTrip, IPEndPoint Server);

/// <summary>
/// RFC 862 client: one message, a session of messages over one socket (the seed's Example #2 loop), or a
/// ping-like measurement (<see cref="MeasureAsync"/>).
/// </summary>
public sealed class EchoClient(ServiceAddress address, ClientOptions options)
{
    /// <summary>The largest datagram payload over IPv4 (65,535 - 20 - 8).</summary>
    public const int MaxUdpPayloadIPv4 = 65_507;

    /// <summary>The largest datagram payload over IPv6 (65,535 - 8).</summary>
    public const int MaxUdpPayloadIPv6 = 65_527;

    /// <summary>Sends <paramref name="message"/> once and checks that the same bytes come back.</summary>
    /// <exception cref="ClientException">Refused, unreachable, no reply in time, or an echo that differs (<see cref="ClientFailure.WrongData"/>).</exception>
    public async Task<EchoReply> SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        await using EchoSession session = await OpenAsync(cancellationToken);
        return await session.ExchangeAsync(message, cancellationToken);
    }

    /// <summary>Opens one socket for several exchanges.</summary>
    public async Task<EchoSession> OpenAsync(CancellationToken cancellationToken = default) =>
        new(await ClientSocket.OpenAsync(address, ServiceKind.Echo, options, cancellationToken), options.TimeProvider);

    /// <summary>
    /// Sends numbered, timestamped probes and reports loss, duplication, reordering, corruption, late replies and
    /// round-trip times. <paramref name="onProbe"/> hears about each probe as it resolves. Cancelling ends the
    /// run early with the statistics so far (as Ctrl+C does to ping).
    /// </summary>
    /// <exception cref="ClientException">The target refused or could not be reached.</exception>
    public async Task<EchoStatistics> MeasureAsync(EchoMeasurement measurement, Action<EchoProbeResult>? onProbe = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        using ClientSocket socket = await ClientSocket.OpenAsync(address, ServiceKind.Echo, options, cancellationToken);
        var meter = new EchoMeter(socket, measurement, options, onProbe);
        return socket.IsUdp ? await meter.RunUdpAsync(cancellationToken) : await meter.RunTcpAsync(cancellationToken);
    }
}
