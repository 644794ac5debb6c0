using Inetkit.Protocol;

namespace Inetkit.Services;

/// <summary>Creates the service object for a <see cref="ServiceKind"/>.</summary>
public static class ServiceFactory
{
    /// <summary>A new service; <paramref name="quotes"/>, <paramref name="clock"/> and <paramref name="daytimeFormat"/> are used where they apply.</summary>
    public static IInetService Create(ServiceKind kind, QuoteBook? quotes = null, TimeProvider? clock = null, DaytimeFormat? daytimeFormat = null) => kind switch
    {
        ServiceKind.Echo => new EchoService(),
        ServiceKind.Discard => new DiscardService(),
        ServiceKind.Chargen => new ChargenService(),
        ServiceKind.Qotd => new QotdService(quotes ?? QuoteBook.BuiltIn),
        ServiceKind.Daytime => new DaytimeService(clock ?? TimeProvider.System, daytimeFormat ?? DaytimeFormat.Ctime),
        ServiceKind.Time => new TimeService(clock ?? TimeProvider.System),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
