using System.Text;
using Inetkit.Clients;
using Inetkit.Hosting;
using Inetkit.Protocol;

namespace Inetkit.Demo.Examples;

/// <summary>The seed's Example #1: a UDP echo server that answers one datagram and stops; its client sends "Hello World".</summary>
internal sealed class UdpEchoOnce : DemoExample
{
    public override string Name => "udp-echo-once";

    public override string Summary => "the seed's Example #1: one datagram echoed, then the server is gone (no handshake, no connection)";

    public override bool TakesImpairment => true;

    public override async Task RunAsync(DemoContext context, CancellationToken cancellationToken)
    {
        await using InetServer? server = context.Server is null
            ? await DemoServer.StartAsync(context, ServiceKind.Echo, Transport.Udp, SeedCode.UdpEchoServer, o => o with { Once = true }, cancellationToken)
            : null;
        var target = DemoServer.Target(context, server, ServiceKind.Echo, Transport.Udp);
        await UdpEcho.ExchangeAsync(context, target, ["Hello World"], cancellationToken);
        if (server is not null)
        {
            // --once: the server stops by itself after its one datagram, as the seed's function returns.
            await server.Completion.WaitAsync(cancellationToken);
        }
    }
}

/// <summary>The seed's Example #2: the server stays (its while True loop); the client sends what the user typed, three times here.</summary>
internal sealed class UdpEcho : DemoExample
{
    private static readonly string[] Messages = ["Hello", "World", "Bye"];

    public override string Name => "udp-echo";

    public override string Summary => "the seed's Example #2: the server's while True loop answers each datagram, the client sends three";

    public override bool TakesImpairment => true;

    public override async Task RunAsync(DemoContext context, CancellationToken cancellationToken)
    {
        await using InetServer? server = context.Server is null
            ? await DemoServer.StartAsync(context, ServiceKind.Echo, Transport.Udp, SeedCode.UdpEchoServer, cancellationToken: cancellationToken)
            : null;
        await ExchangeAsync(context, DemoServer.Target(context, server, ServiceKind.Echo, Transport.Udp), Messages, cancellationToken);
    }

    /// <summary>The seed's client, once per message, on one socket: sendto, then recvfrom, then print what came back.</summary>
    internal static async Task ExchangeAsync(DemoContext context, System.Net.IPEndPoint target, IReadOnlyList<string> messages, CancellationToken cancellationToken)
    {
        var options = new ClientOptions
        {
            Transport = Transport.Udp,
            TraceEvents = context.Recorder.For(DemoLane.Client, SeedCode.UdpEchoClient),
        };
        await using EchoSession session = await new EchoClient(new ServiceAddress(target.Address.ToString(), target.Port), options).OpenAsync(cancellationToken);
        foreach (string message in messages)
        {
            EchoReply reply = await session.ExchangeAsync(Encoding.ASCII.GetBytes(message), cancellationToken);
            context.Recorder.Print(DemoLane.Client, $"b'{SeedCode.Python(reply.Data)}' received from ('{reply.Server.Address}', {reply.Server.Port})");
        }
    }
}
