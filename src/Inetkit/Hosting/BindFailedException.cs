using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;

namespace Inetkit.Hosting;

/// <summary>Why a listening socket could not be bound.</summary>
public enum BindFailure
{
    /// <summary>Another socket holds the address and port.</summary>
    AddressInUse,
    /// <summary>Not permitted: on Unix, ports below 1024 need privilege.</summary>
    AccessDenied,
    /// <summary>The address is not one of this machine's.</summary>
    AddressNotAvailable,
    /// <summary>Anything else; see the inner exception.</summary>
    Other,
}

/// <summary>A listening socket could not be bound; nothing of the server is left running.</summary>
public sealed class BindFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BindFailedException(ServiceKind service, Transport transport, IPEndPoint endPoint, BindFailure reason, SocketException? inner, string? name = null)
        : base($"cannot bind {name ?? WellKnownPorts.Name(service)}/{(transport == Transport.Tcp ? "tcp" : "udp")} to {endPoint}: {Describe(reason, inner)}", inner)
    {
        Service = service;
        ServiceName = name ?? WellKnownPorts.Name(service);
        Transport = transport;
        EndPoint = endPoint;
        Reason = reason;
    }

    /// <summary>The service being bound.</summary>
    public ServiceKind Service { get; }

    /// <summary>The service's name (a program service's own, or the built-in's).</summary>
    public string ServiceName { get; }

    /// <summary>TCP or UDP.</summary>
    public Transport Transport { get; }

    /// <summary>The address and port asked for.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Why.</summary>
    public BindFailure Reason { get; }

    internal static BindFailure Classify(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => BindFailure.AddressInUse,
        SocketError.AccessDenied => BindFailure.AccessDenied,
        SocketError.AddressNotAvailable => BindFailure.AddressNotAvailable,
        _ => BindFailure.Other,
    };

    private static string Describe(BindFailure reason, SocketException? inner) => reason switch
    {
        BindFailure.AddressInUse => "address already in use",
        BindFailure.AccessDenied => "permission denied",
        BindFailure.AddressNotAvailable => "that address is not on this machine",
        _ => inner?.Message ?? "unknown error",
    };
}
