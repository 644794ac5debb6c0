namespace Inetkit.Conformance;

/// <summary>How much a case weighs.</summary>
public enum CaseLevel
{
    /// <summary>What the RFC says a server does: a failure fails the check.</summary>
    Must,

    /// <summary>What the RFC only recommends, or what every client relies on though the RFC is silent: a failure is a warning.</summary>
    Should,

    /// <summary>A fact worth knowing (the amplification factor, the daytime format): never a failure.</summary>
    Info,
}

/// <summary>What a case concluded.</summary>
public enum Verdict
{
    /// <summary>The server did what the case expects.</summary>
    Pass,

    /// <summary>A must case the server broke.</summary>
    Fail,

    /// <summary>A should case the server broke, or an info worth a look.</summary>
    Warn,

    /// <summary>Not run, with the reason (the transport is not served, a privilege is missing).</summary>
    Skip,
}
