using System.Net;
using System.Net.Sockets;

namespace Inetkit.Tests.Impairment;

/// <summary>
/// A TCP connection on loopback (an ephemeral port): the server's end, which the impairer writes to, and a plain
/// client socket, which observes what the toxics did to the stream.
/// </summary>
internal sealed class StreamLoopback : IDisposable
{
    private StreamLoopback(Socket server, Socket client)
    {
        Server = server;
        Client = client;
    }

    /// <summary>The impaired side; TCP_NODELAY, so that each slice leaves as its own segment.</summary>
    public Socket Server { get; }

    public Socket Client { get; }

    public static async Task<StreamLoopback> OpenAsync(CancellationToken cancellationToken)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task connect = client.ConnectAsync(listener.LocalEndPoint!, cancellationToken).AsTask();
        Socket server = await listener.AcceptAsync(cancellationToken);
        await connect;
        server.NoDelay = true;
        return new StreamLoopback(server, client);
    }

    /// <summary>Everything the client reads until EOF.</summary>
    public async Task<byte[]> ReadToEndAsync(CancellationToken cancellationToken)
    {
        var all = new MemoryStream();
        byte[] buffer = new byte[4096];
        int read;
        while ((read = await Client.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
        {
            all.Write(buffer, 0, read);
        }
        return all.ToArray();
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (failing on an early EOF).</summary>
    public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            int read = await Client.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, cancellationToken);
            Assert.NotEqual(0, read);
            got += read;
        }
        return buffer;
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}
