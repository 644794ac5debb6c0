namespace Inetkit.Impairment;

/// <summary>What ended an impaired stream, for counters and for a relay deciding what to do with the other direction.</summary>
public enum StreamEnd
{
    /// <summary>Not ended yet.</summary>
    Open,

    /// <summary>The source finished and the FIN was passed on (after <see cref="StreamImpairment.SlowClose"/>).</summary>
    Normal,

    /// <summary>The timeout toxic closed the connection.</summary>
    Timeout,

    /// <summary>The reset toxic aborted the connection with an RST.</summary>
    Reset,

    /// <summary>The limit-data toxic closed the connection after its bytes.</summary>
    LimitData,

    /// <summary>Sending to the peer failed (it closed or reset first); the connection was closed.</summary>
    Failed,

    /// <summary>The owner disposed the impairer before the stream ended; the connection was closed.</summary>
    Disposed,

    /// <summary>
    /// The owner handed the stream over to another impairer (the toxics changed) once everything queued had been
    /// delivered; the connection is left open.
    /// </summary>
    HandedOver,
}
