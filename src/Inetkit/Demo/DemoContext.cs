using System.Net;
using Inetkit.Tracing;

namespace Inetkit.Demo;

/// <summary>What an example runs with: where its events go, its clock, and a server of the user's own instead of ours.</summary>
public sealed class DemoContext
{
    /// <param name="recorder">Where both sides' events go.</param>
    /// <param name="server">A server of the user's own, for the client side alone; null: Inetkit's own, on loopback.</param>
    public DemoContext(DemoRecorder recorder, IPEndPoint? server = null)
    {
        Recorder = recorder;
        Server = server;
    }

    /// <summary>Where both sides' events go.</summary>
    public DemoRecorder Recorder { get; }

    /// <summary>With <c>--server</c>: the user's own server; only the client side runs, against it.</summary>
    public IPEndPoint? Server { get; }

    /// <summary>Tells the capture (<c>--wire</c>) a port of the server side, whose packets it should keep.</summary>
    public void Watch(int port) => Recorder.Watch(port);

    /// <summary>The clock of the demo's own waits (the seed's <c>settimeout</c>).</summary>
    public TimeProvider Clock => Recorder.Clock;

    internal Tracer Tracer(DemoLane lane, string side, Func<TraceEvent, string?> seed) =>
        new(TraceSink.Create(null, Recorder.For(lane, seed), Clock), side);
}
