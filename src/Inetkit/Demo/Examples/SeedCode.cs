using Inetkit.Tracing;

namespace Inetkit.Demo.Examples;

/// <summary>
/// The seed note's Python statements beside the calls they make, so that a learner reads the code and the system
/// call together. Where Inetkit makes a call the seed does not (a client's UDP connect), it says so.
/// </summary>
internal static class SeedCode
{
    public static Func<TraceEvent, string?> UdpEchoServer => e => e.Name switch
    {
        "socket" => "s = socket.socket(type=socket.SOCK_DGRAM)",
        "bind" => "s.bind(('127.0.0.1',12345))",
        "recvfrom" => "data, address = s.recvfrom(4096)",
        "sendto" => "s.sendto(data,address)",
        _ => null,
    };

    public static Func<TraceEvent, string?> UdpEchoClient => e => e.Name switch
    {
        "socket" => "s = socket.socket(type=socket.SOCK_DGRAM)",
        "connect" => "(the seed does not connect; Inetkit does, so that an ICMP error reaches it)",
        "sendto" => $"s.sendto(b'{Bytes(e)}',('127.0.0.1',12345))",
        "recvfrom" => "data,address = s.recvfrom(4096)",
        _ => null,
    };

    public static Func<TraceEvent, string?> TcpQotdServer => e => e.Name switch
    {
        "socket" => "s = socket.socket()",
        "bind" => "s.bind(('',12345))",
        "listen" => "s.listen()",
        "accept" => "client_socket, address = s.accept()",
        "sendall" => "client_socket.sendall(quote)",
        "shutdown" or "close" => "client_socket.close()",
        _ => null,
    };

    public static Func<TraceEvent, string?> TcpQotdClient => e => e.Name switch
    {
        "socket" => "s = socket.socket()",
        "connect" => "s.connect(('127.0.0.1',12345))",
        "recv" => "chunk = s.recv(4)",
        _ => null,
    };

    public static Func<TraceEvent, string?> TcpEchoServer => e => e.Name switch
    {
        "socket" => "s = socket.socket()",
        "bind" => "s.bind(('',12345))",
        "listen" => "s.listen()",
        "accept" => "conn, address = s.accept()",
        "recv" => "data = conn.recv(4096)",
        "sendall" => "conn.sendall(data)",
        "shutdown" or "close" => "conn.close()",
        _ => null,
    };

    public static Func<TraceEvent, string?> TcpEchoClient => e => e.Name switch
    {
        "socket" => "s = socket.socket()",
        "connect" => "s.connect(('127.0.0.1',12345))",
        "sendall" => $"s.sendall(b'{Bytes(e)}')",
        "recv" => "data = s.recv(4096)",
        "close" => "s.close()",
        _ => null,
    };

    public static Func<TraceEvent, string?> UdpTimeout => e => e.Name switch
    {
        "socket" => "with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:",
        "bind" => "s.bind(('127.0.0.1',12345))",
        "setsockopt" => "s.settimeout(3)",
        "recvfrom" => "data, addr = s.recvfrom(1024)",
        _ => null,
    };

    /// <summary>The bytes as Python writes a bytes literal's inside (printable ASCII as it is, the rest escaped).</summary>
    public static string Bytes(TraceEvent e) => Python(e.Data.Span);

    public static string Python(ReadOnlySpan<byte> data)
    {
        var text = new System.Text.StringBuilder(data.Length);
        foreach (byte b in data)
        {
            text.Append(b switch
            {
                (byte)'\\' => "\\\\",
                (byte)'\'' => "\\'",
                (byte)'\n' => "\\n",
                (byte)'\r' => "\\r",
                (byte)'\t' => "\\t",
                >= 0x20 and < 0x7F => ((char)b).ToString(),
                _ => $"\\x{b:x2}",
            });
        }
        return text.ToString();
    }

    public static Func<TraceEvent, string?> Scanner => e => e.Name switch
    {
        "socket" => "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
        "connect" => "s.connect((target, port))",
        "close" => "s.close()",
        _ => null,
    };
}
