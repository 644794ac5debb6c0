namespace Inetkit.Demo.Wire.Internal;

/// <summary>
/// What one read of the packet socket gave: <paramref name="Captured"/> bytes of the frame in the read buffer (of
/// <paramref name="Length"/> on the wire), the interface it was seen on, whether it was the sending side's copy, and
/// when the kernel took it in.
/// </summary>
internal readonly record struct CapturedFrame(int Captured, int Length, int InterfaceIndex, bool Outgoing, DateTimeOffset At);
