namespace Inetkit.Demo.Wire.Internal;

/// <summary>A TCP segment's numbers as on the wire, before they are made relative: <paramref name="WindowScale"/> is the SYN's window scale option, null when absent.</summary>
internal readonly record struct TcpHeader(uint Sequence, uint Acknowledgment, ushort Flags, int Window, int? WindowScale);
