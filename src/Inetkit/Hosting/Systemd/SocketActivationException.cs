namespace Inetkit.Hosting.Systemd;

/// <summary>Sockets passed by systemd that serve cannot serve: a name no service has, or a type its name contradicts.</summary>
public sealed class SocketActivationException(string message) : Exception(message);
