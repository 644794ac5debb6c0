using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Inetkit.Tests.Support;

/// <summary>
/// Datagrams from several clients sent back to back, interleaved, without waiting for any reply: what makes a
/// receive loop take many at a time. Each says who sent it ("127.0.0.2:40123#7"), so each reply can be told apart.
/// </summary>
internal static class UdpBurst
{
    public static async Task SendInterleavedAsync(Socket[] clients, IPEndPoint to, int perClient, CancellationToken cancellationToken)
    {
        for (int i = 0; i < perClient; i++)
        {
            foreach (Socket client in clients)
            {
                await client.SendToAsync(Encoding.ASCII.GetBytes(Label(client, i)), SocketFlags.None, to, cancellationToken);
            }
        }
    }

    /// <summary>Receives <paramref name="count"/> replies from <paramref name="from"/> and asserts they are exactly what this client sent.</summary>
    public static async Task AssertOwnRepliesAsync(Socket client, IPEndPoint from, int count, CancellationToken cancellationToken)
    {
        var replies = new List<string>();
        var buffer = new byte[100];
        for (int i = 0; i < count; i++)
        {
            SocketReceiveFromResult reply = await client.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(client.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), cancellationToken);
            Assert.Equal(from, reply.RemoteEndPoint);
            replies.Add(Encoding.ASCII.GetString(buffer, 0, reply.ReceivedBytes));
        }
        Assert.Equal(
            Enumerable.Range(0, count).Select(i => Label(client, i)),
            replies.OrderBy(r => int.Parse(r.Split('#')[1], CultureInfo.InvariantCulture)));
    }

    // The address and port: two clients may share an address.
    private static string Label(Socket client, int i) => $"{client.LocalEndPoint}#{i}";
}
