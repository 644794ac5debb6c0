using Inetkit.Demo.Examples;

namespace Inetkit.Demo;

/// <summary>Every example <c>inetkit demo</c> knows, in the order it lists them.</summary>
public static class DemoCatalog
{
    /// <summary>The examples: the seed's first, then what the seed only mentions.</summary>
    public static IReadOnlyList<DemoExample> All { get; } =
    [
        new UdpEchoOnce(), new UdpEcho(), new TcpQotd(), new UdpTimeout(),
        new TcpEcho(), new TcpRefused(), new UdpUnreachable(), new UdpLoss(), new PortScan(),
    ];

    /// <summary>The example of that name, or null.</summary>
    public static DemoExample? Find(string name) => All.FirstOrDefault(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
