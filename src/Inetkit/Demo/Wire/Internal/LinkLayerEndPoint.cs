using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Inetkit.Demo.Wire.Internal;

/// <summary>
/// A struct sockaddr_ll for Socket.Bind: .NET has no endpoint type for AF_PACKET, but binds whatever bytes an
/// endpoint serializes to.
/// </summary>
internal sealed class LinkLayerEndPoint(int interfaceIndex, ushort etherType) : EndPoint
{
    private const int Size = 20;

    public override AddressFamily AddressFamily => AddressFamily.Packet;

    public override SocketAddress Serialize()
    {
        var address = new SocketAddress(AddressFamily.Packet, Size);
        Span<byte> bytes = address.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], etherType);
        // sll_ifindex is in host order, unlike sll_protocol.
        BitConverter.TryWriteBytes(bytes[4..], interfaceIndex);
        return address;
    }

    public override EndPoint Create(SocketAddress socketAddress) => this;
}
