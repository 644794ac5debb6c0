using Inetkit.Protocol;

namespace Inetkit.Services;

/// <summary>One of the six services, over both transports.</summary>
public interface IInetService : ITcpService, IUdpService
{
    /// <summary>Which service this is.</summary>
    ServiceKind Kind { get; }
}
