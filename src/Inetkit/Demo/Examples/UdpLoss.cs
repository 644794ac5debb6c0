using System.Net;
using System.Text;
using Inetkit.Clients;
using Inetkit.Hosting;
using Inetkit.Impairment;
using Inetkit.Protocol;

namespace Inetkit.Demo.Examples;

/// <summary>
/// What the seed says a datagram socket does not promise, made to happen: the echo server's replies go through
/// <c>--impair</c>, seeded so that of six datagrams exactly one reply is lost, one duplicated and one overtaken.
/// </summary>
internal sealed class UdpLoss : DemoExample
{
    private static readonly string[] Messages = ["one", "two", "three", "four", "five", "six"];

    private const string Profile = "loss=20%,duplicate=20%,reorder=20%";

    private static readonly Lazy<int> ChosenSeed = new(() => FindSeed(Messages.Length));

    public override string Name => "udp-loss";

    public override string Summary => "datagrams lost, duplicated and reordered on purpose (--impair, seeded): what UDP does not promise";

    public override bool TakesServer => false;

    public override bool TakesImpairment => true;

    /// <summary>The impairment the server's replies go through.</summary>
    internal static string Spec => $"{Profile},seed={ChosenSeed.Value}";

    public override async Task RunAsync(DemoContext context, CancellationToken cancellationToken)
    {
        // DemoServer puts the context's impairment, when there is one, in place of this.
        ImpairmentSpec impairment = ImpairmentSpec.Parse(Spec, Direction.Down);
        context.Recorder.Print(DemoLane.Server, $"inetkit serve echo --udp --impair {context.Impairment?.ToString() ?? Spec}");
        await using InetServer server = await DemoServer.StartAsync(context, ServiceKind.Echo, Transport.Udp, SeedCode.UdpEchoServer, o => o with { Impairment = impairment }, cancellationToken);
        IPEndPoint target = server.GetEndPoint(ServiceKind.Echo, Transport.Udp);
        var options = new ClientOptions { Transport = Transport.Udp, TraceEvents = context.Recorder.For(DemoLane.Client, SeedCode.UdpEchoClient) };
        using ClientSocket socket = await ClientSocket.OpenAsync([target], ServiceKind.Echo, options, cancellationToken);
        foreach (string message in Messages)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(message), cancellationToken);
        }
        // As many replies come as the seed decided (one lost, one twice): the client waits for each, at most a second.
        var received = new List<string>();
        byte[] buffer = new byte[4096];
        for (int i = 0; i < Messages.Length; i++)
        {
            try
            {
                int read = await socket.ReceiveAsync(buffer, cancellationToken, TimeSpan.FromSeconds(1));
                received.Add(Encoding.ASCII.GetString(buffer, 0, read));
            }
            catch (ClientException e) when (e.Failure == ClientFailure.Timeout)
            {
                break;
            }
        }
        context.Recorder.Print(DemoLane.Client, Summarise(Messages, received));
    }

    /// <summary>sent 6, received 6: three lost; two twice; five after six.</summary>
    internal static string Summarise(IReadOnlyList<string> sent, IReadOnlyList<string> received)
    {
        var parts = new List<string>();
        parts.AddRange(sent.Where(m => !received.Contains(m)).Select(m => $"'{m}' lost"));
        parts.AddRange(sent.Where(m => received.Count(r => r == m) > 1).Select(m => $"'{m}' twice"));
        List<string> firsts = [.. received.Distinct()];
        for (int i = 0; i + 1 < firsts.Count; i++)
        {
            int a = IndexOf(sent, firsts[i]), b = IndexOf(sent, firsts[i + 1]);
            if (a > b)
            {
                parts.Add($"'{firsts[i]}' after '{firsts[i + 1]}'");
            }
        }
        return $"sent {sent.Count}, received {received.Count}: {(parts.Count == 0 ? "all in order" : string.Join("; ", parts))}";
    }

    private static int IndexOf(IReadOnlyList<string> list, string item)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] == item)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// The first seed whose draws, for <paramref name="count"/> datagrams, lose one, duplicate another and hold back a
    /// third that is not the last (so that a later one overtakes it), and do nothing else: the same lesson every run.
    /// </summary>
    internal static int FindSeed(int count)
    {
        DatagramImpairment profile = ImpairmentSpec.Parse(Profile, Direction.Down).DatagramsDown;
        for (int seed = 1; seed <= 1_000_000; seed++)
        {
            var effects = new ImpairmentEffects[count];
            int current = 0;
            var impairer = new DatagramImpairer<int>(profile, seed, TimeProvider.System, (_, _) => ValueTask.CompletedTask, null, (_, i, e, _) => effects[i] = e);
            for (current = 0; current < count; current++)
            {
                ValueTask submitted = impairer.SubmitAsync(new byte[] { (byte)current }, current);
                if (!submitted.IsCompletedSuccessfully)
                {
                    submitted.AsTask().GetAwaiter().GetResult();
                }
            }
            impairer.DisposeAsync().AsTask().GetAwaiter().GetResult();
            int lost = effects.Count(e => e == ImpairmentEffects.Lost);
            int duplicated = effects.Count(e => e == ImpairmentEffects.Duplicated);
            int reordered = Array.FindIndex(effects, e => e == ImpairmentEffects.Reordered);
            if (lost == 1 && duplicated == 1 && effects.Count(e => e == ImpairmentEffects.Reordered) == 1 && reordered < count - 2
                && effects[reordered + 1] == ImpairmentEffects.None && effects.Count(e => e != ImpairmentEffects.None) == 3)
            {
                return seed;
            }
        }
        throw new InvalidOperationException($"no seed below 1,000,000 gives {Profile} one loss, one duplicate and one reorder in {count} datagrams");
    }
}
