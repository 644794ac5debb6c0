using System.Net;
using System.Net.Sockets;
using Inetkit.Clients;
using Inetkit.Protocol;
using Inetkit.Scanning.Internal;

namespace Inetkit.Conformance;

/// <summary>
/// What a case's check has to talk to the server with: the clients' own sockets (every wait bounded, every call
/// traced), and UDP exchanges that try again after silence. A refusal (TCP RST to the connect, ICMP port
/// unreachable) surfaces as <see cref="NotServedException"/>, which the runner turns into "not served".
/// </summary>
public sealed class CaseContext
{
    private readonly ServiceKind _service;

    // The scanner's pacer, on the wall clock (Options.TimeProvider may be a test's frozen one).
    private readonly ScanPacer? _pacer;

    internal CaseContext(IPEndPoint server, ServiceKind service, CheckOptions options, CancellationToken cancellationToken)
    {
        Server = server;
        _service = service;
        Options = options;
        Cancellation = cancellationToken;
        _pacer = options.Rate is > 0 ? new ScanPacer(options.Rate, paceUdpHosts: false, TimeProvider.System) : null;
    }

    /// <summary>Waits for the next slot of <see cref="CheckOptions.Rate"/> before a connection or a datagram.</summary>
    private ValueTask PaceAsync() => _pacer?.WaitAsync(0, udpBeyondLoopback: false, Cancellation) ?? ValueTask.CompletedTask;

    /// <summary>The address and port checked.</summary>
    public IPEndPoint Server { get; }

    /// <summary>Timeouts, retries, tracing and the clock.</summary>
    public CheckOptions Options { get; }

    /// <summary>Cancelled when the run is stopped.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>The local clock.</summary>
    public TimeProvider Clock => Options.TimeProvider;

    /// <summary>Connections accepted and datagrams answered so far: what a server that stops serving had served.</summary>
    internal int Answered { get; private set; }

    /// <summary>A TCP connection to the server.</summary>
    internal async Task<ClientSocket> ConnectAsync()
    {
        await PaceAsync();
        try
        {
            ClientSocket socket = await ClientSocket.OpenAsync([Server], _service, ClientOptions(Transport.Tcp), Cancellation);
            Answered++;
            return socket;
        }
        catch (ClientException e) when (IsRefusal(e))
        {
            throw new NotServedException(e.Message);
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> in one datagram and returns the first reply, sending it again after each
    /// silence up to <see cref="CheckOptions.Retries"/> times (<paramref name="once"/>: no retry, where silence is the
    /// answer expected); null if every try met silence.
    /// </summary>
    internal async Task<byte[]?> ExchangeAsync(ReadOnlyMemory<byte> request, int receiveBuffer = 65536, bool once = false)
    {
        using ClientSocket socket = await ClientSocket.OpenAsync([Server], _service, ClientOptions(Transport.Udp), Cancellation);
        byte[] buffer = new byte[receiveBuffer];
        for (int attempt = 0; attempt <= (once ? 0 : Options.Retries); attempt++)
        {
            try
            {
                await PaceAsync();
                await socket.SendAsync(request, Cancellation);
                int length = await socket.ReceiveAsync(buffer, Cancellation);
                Answered++;
                return buffer[..length];
            }
            catch (ClientException e) when (IsRefusal(e))
            {
                throw new NotServedException(e.Message);
            }
            catch (ClientException e) when (e.Failure == ClientFailure.Timeout)
            {
                // Silence: the datagram or its reply may have been dropped; try again.
            }
        }
        return null;
    }

    /// <summary>
    /// Sends <paramref name="request"/> from an unconnected socket (bound to <paramref name="localPort"/>, 0: any) and
    /// returns the first datagram that comes back from anywhere, with its source, trying again after silence like
    /// <see cref="ExchangeAsync"/>; null if every try met silence.
    /// </summary>
    /// <exception cref="SocketException">The local port cannot be bound.</exception>
    internal async Task<(byte[] Reply, IPEndPoint From)?> ExchangeFromAsync(ReadOnlyMemory<byte> request, int localPort = 0, bool once = false)
    {
        using var socket = ClientSocket.OpenDatagram(Server, _service, ClientOptions(Transport.Udp), localPort);
        byte[] buffer = new byte[65536];
        for (int attempt = 0; attempt <= (once ? 0 : Options.Retries); attempt++)
        {
            try
            {
                await PaceAsync();
                await socket.SendAsync(request, Cancellation);
                (int length, IPEndPoint from) = await socket.ReceiveFromAsync(buffer, Cancellation);
                Answered++;
                return (buffer[..length], from);
            }
            catch (ClientException e) when (e.Failure == ClientFailure.Timeout)
            {
            }
        }
        return null;
    }

    /// <summary>
    /// Every datagram that answers one <paramref name="request"/>: the first (trying again after silence unless
    /// <paramref name="once"/>), then any more that follow within a quarter of the timeout. Empty on silence.
    /// </summary>
    internal async Task<List<byte[]>> ExchangeAllAsync(ReadOnlyMemory<byte> request, bool once)
    {
        using ClientSocket socket = await ClientSocket.OpenAsync([Server], _service, ClientOptions(Transport.Udp), Cancellation);
        byte[] buffer = new byte[65536];
        var replies = new List<byte[]>();
        for (int attempt = 0; attempt <= (once ? 0 : Options.Retries) && replies.Count == 0; attempt++)
        {
            try
            {
                await PaceAsync();
                await socket.SendAsync(request, Cancellation);
                replies.Add(buffer[..await socket.ReceiveAsync(buffer, Cancellation)]);
                Answered++;
                while (true)
                {
                    replies.Add(buffer[..await socket.ReceiveAsync(buffer, Cancellation, Options.Timeout / 4)]);
                }
            }
            catch (ClientException e) when (IsRefusal(e))
            {
                throw new NotServedException(e.Message);
            }
            catch (ClientException e) when (e.Failure == ClientFailure.Timeout)
            {
            }
        }
        return replies;
    }

    /// <summary>"no reply in N s after K tries", for a case's Got.</summary>
    internal string Silence => $"no reply within {ClientSocket.Seconds(Options.Timeout)}, {(Options.Retries == 0 ? "1 datagram" : $"{Options.Retries + 1} datagrams")} sent";

    private ClientOptions ClientOptions(Transport transport) => new()
    {
        Transport = transport,
        Timeout = Options.Timeout,
        Trace = Options.Trace,
        TimeProvider = Options.TimeProvider,
    };

    private static bool IsRefusal(ClientException e) => e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
}

/// <summary>Nothing listens on that transport at the server's port: TCP refused, or ICMP port unreachable.</summary>
public sealed class NotServedException(string message) : Exception(message);
