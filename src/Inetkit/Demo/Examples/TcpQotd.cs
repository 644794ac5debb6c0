using System.Text;
using Inetkit.Clients;
using Inetkit.Hosting;
using Inetkit.Protocol;

namespace Inetkit.Demo.Examples;

/// <summary>The seed's Quote of the Day: the server accepts, sends the quote and closes; the client reads 4 bytes at a time until recv returns nothing.</summary>
internal sealed class TcpQotd : DemoExample
{
    /// <summary>The seed's own quote.</summary>
    internal const string Quote = "Object oriented programs are offered as alternatives to correct ones.";

    public override string Name => "tcp-qotd";

    public override string Summary => "the seed's QOTD service and its client: a handshake, one sendall, recv(4) growing the message, the close";

    public override async Task RunAsync(DemoContext context, CancellationToken cancellationToken)
    {
        await using InetServer? server = context.Server is null
            ? await DemoServer.StartAsync(context, ServiceKind.Qotd, Transport.Tcp, SeedCode.TcpQotdServer,
                o => o with { Quotes = QuoteBook.Parse(Quote, "the seed's quote") }, cancellationToken)
            : null;
        var target = DemoServer.Target(context, server, ServiceKind.Qotd, Transport.Tcp);
        var options = new ClientOptions { Transport = Transport.Tcp, TraceEvents = context.Recorder.For(DemoLane.Client, SeedCode.TcpQotdClient) };
        QotdResult quote = await new QotdClient(new ServiceAddress(target.Address.ToString(), target.Port), options).GetAsync(chunkSize: 4, cancellationToken);
        context.Recorder.Print(DemoLane.Client, $"bytearray(b'{SeedCode.Python(quote.Quote)}')");
    }
}

/// <summary>An echo over TCP: the handshake, the bytes there and back, and both FINs.</summary>
internal sealed class TcpEcho : DemoExample
{
    private const string Message = "Hello World";

    public override string Name => "tcp-echo";

    public override string Summary => "echo over a stream: connect and accept, the bytes there and back, a FIN each way";

    public override async Task RunAsync(DemoContext context, CancellationToken cancellationToken)
    {
        await using InetServer? server = context.Server is null
            ? await DemoServer.StartAsync(context, ServiceKind.Echo, Transport.Tcp, SeedCode.TcpEchoServer, cancellationToken: cancellationToken)
            : null;
        var target = DemoServer.Target(context, server, ServiceKind.Echo, Transport.Tcp);
        var options = new ClientOptions { Transport = Transport.Tcp, TraceEvents = context.Recorder.For(DemoLane.Client, SeedCode.TcpEchoClient) };
        EchoReply reply = await new EchoClient(new ServiceAddress(target.Address.ToString(), target.Port), options).SendAsync(Encoding.ASCII.GetBytes(Message), cancellationToken);
        context.Recorder.Print(DemoLane.Client, $"b'{SeedCode.Python(reply.Data)}'");
        if (server is not null)
        {
            // The server's side ends after the client's FIN: wait for its close, so the diagram shows both.
            await WhenClosedAsync(context, cancellationToken);
        }
    }

    /// <summary>Until the server has closed the connection (the close of a connection's side, <c>echo/tcp #1</c>), at most a few seconds.</summary>
    internal static Task WhenClosedAsync(DemoContext context, CancellationToken cancellationToken) =>
        context.Recorder.WaitForAsync(e => e.Lane == DemoLane.Server && e.Call?.Name == "close" && e.Call.Side.Contains('#', StringComparison.Ordinal), TimeSpan.FromSeconds(5), cancellationToken);
}
