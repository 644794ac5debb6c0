namespace Inetkit.Demo;

/// <summary>One exchange a demo can show: the seed's examples, and a few more that show what the seed only mentions.</summary>
public abstract class DemoExample
{
    /// <summary>The name on the command line: <c>udp-echo-once</c>.</summary>
    public abstract string Name { get; }

    /// <summary>One line that says what it shows.</summary>
    public abstract string Summary { get; }

    /// <summary>How the lanes are labelled.</summary>
    public virtual (string Client, string Server) Lanes => ("client", "server");

    /// <summary>True when it can run against a server of the user's own (<c>--server</c>).</summary>
    public virtual bool TakesServer => true;

    /// <summary>True when its server is Inetkit's own over UDP, whose replies go through <see cref="DemoContext.Impairment"/>.</summary>
    public virtual bool TakesImpairment => false;

    /// <summary>Runs both sides (or only the client's, against <see cref="DemoContext.Server"/>) and returns when the exchange is over.</summary>
    public abstract Task RunAsync(DemoContext context, CancellationToken cancellationToken);
}
