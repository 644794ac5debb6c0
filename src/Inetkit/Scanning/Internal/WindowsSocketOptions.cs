using System.Net.Sockets;

namespace Inetkit.Scanning.Internal;

/// <summary>Windows-only socket settings a scanner needs; no-ops elsewhere.</summary>
internal static class WindowsSocketOptions
{
    // SIO_TCP_INITIAL_RTO = _WSAIOW(IOC_VENDOR, 17).
    private const int SioTcpInitialRto = unchecked((int)0x98000011);

    // TCP_INITIAL_RTO_PARAMETERS { USHORT Rtt = TCP_INITIAL_RTO_UNSPECIFIED_RTT; UCHAR MaxSynRetransmissions = TCP_INITIAL_RTO_NO_SYN_RETRANSMISSIONS; }
    private static readonly byte[] NoRetransmissions = [0xFF, 0xFF, 0xFE, 0x00];

    /// <summary>
    /// Windows answers a RST to its SYN by trying again for about two seconds before it reports the refusal; a scan
    /// would wait that long on every closed port. This tells it not to retransmit the SYN.
    /// </summary>
    public static void NoSynRetransmissions(Socket socket)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                socket.IOControl(SioTcpInitialRto, NoRetransmissions, null);
            }
            catch (SocketException)
            {
                // Older Windows without the option: slower on closed ports, still correct.
            }
        }
    }
}
