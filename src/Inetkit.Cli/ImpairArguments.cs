using Inetkit.Impairment;
using Inetkit.Protocol;

namespace Inetkit.Cli;

/// <summary>
/// serve's <c>--impair</c>, repeatable: <c>SPEC</c> for every service, <c>SERVICE=SPEC</c> for one
/// (<c>--impair echo=loss=5%</c>); by default it impairs what the server sends, its replies.
/// </summary>
internal static class ImpairArguments
{
    public static (ImpairmentSpec All, Dictionary<ServiceKind, ImpairmentSpec> PerService) Parse(IEnumerable<string> values, Transport transports)
    {
        ImpairmentSpec all = ImpairmentSpec.None;
        var perService = new Dictionary<ServiceKind, ImpairmentSpec>();
        foreach (string value in values)
        {
            int equals = value.IndexOf('=', StringComparison.Ordinal);
            bool forOne = equals > 0 && WellKnownPorts.TryParse(value[..equals], out _);
            string text = forOne ? value[(equals + 1)..] : value;
            ImpairmentSpec spec = ImpairmentSpec.Parse(text, Direction.Down);
            if (transports == Transport.Udp && ImpairmentParser.FirstStreamPart(text) is { } streamPart)
            {
                throw new ImpairmentSpecException(streamPart, "a stream toxic, and only UDP is served (--udp); stream toxics act on TCP connections");
            }
            if (forOne && WellKnownPorts.TryParse(value[..equals], out ServiceKind service))
            {
                perService[service] = spec;
            }
            else
            {
                all = spec;
            }
        }
        return (all, perService);
    }
}
