using System.Net;
using Inetkit.Impairment;
using Inetkit.Tracing;

namespace Inetkit.Demo;

/// <summary>What an example runs with: where its events go, its clock, a server of the user's own instead of ours, and what to do to our server's replies.</summary>
public sealed class DemoContext
{
    /// <param name="recorder">Where both sides' events go.</param>
    /// <param name="server">A server of the user's own, for the client side alone; null: Inetkit's own, on loopback.</param>
    /// <param name="impairment">What our UDP server's replies go through (see <see cref="Impairment"/>).</param>
    public DemoContext(DemoRecorder recorder, IPEndPoint? server = null, ImpairmentSpec? impairment = null)
    {
        Recorder = recorder;
        Server = server;
        Impairment = impairment;
    }

    /// <summary>Where both sides' events go.</summary>
    public DemoRecorder Recorder { get; }

    /// <summary>With <c>--server</c>: the user's own server; only the client side runs, against it.</summary>
    public IPEndPoint? Server { get; }

    /// <summary>Tells the capture (<c>--wire</c>) a port of the server side, whose packets it should keep.</summary>
    public void Watch(int port) => Recorder.Watch(port);

    /// <summary>
    /// What the replies of the examples' own UDP servers go through (serve's <c>--impair</c>, its <c>down:</c> parts),
    /// for the examples that <see cref="DemoExample.TakesImpairment"/>; null: none, or the example's own (udp-loss's).
    /// </summary>
    public ImpairmentSpec? Impairment { get; }

    /// <summary>The clock of the demo's own waits (the seed's <c>settimeout</c>).</summary>
    public TimeProvider Clock => Recorder.Clock;

    internal Tracer Tracer(DemoLane lane, string side, Func<TraceEvent, string?> seed) =>
        new(TraceSink.Create(null, Recorder.For(lane, seed), Clock), side);
}
