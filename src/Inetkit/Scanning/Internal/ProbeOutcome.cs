namespace Inetkit.Scanning.Internal;

/// <summary>What one try found: a state with nmap's reason, silence (try again), or no descriptor/local port (wait, same port again).</summary>
internal readonly record struct ProbeOutcome(PortState State, string Reason, string? Banner = null)
{
    public static ProbeOutcome Silent(PortState state) => new(state, "no-response");

    public static ProbeOutcome NoResources { get; } = new(PortState.Filtered, "");

    public bool IsSilent => Reason == "no-response";

    public bool IsResourceShortage => Reason.Length == 0;
}
