using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Inetkit.Exec;
using Inetkit.Tests.Support;
using ChildProcess = Inetkit.Exec.ChildProcess;

namespace Inetkit.Tests.Exec;

/// <summary>A child spawned on one end of a socket pair, its stdin and stdout both (as a TCP connection will be), and our end to talk to it.</summary>
[SupportedOSPlatform("linux")]
internal sealed class Spawned : IDisposable
{
    public static readonly IReadOnlyDictionary<string, string> MinimalEnvironment = new Dictionary<string, string>
    {
        ["PATH"] = ChildEnvironment.DefaultPath,
        ["LANG"] = "C.UTF-8",
    };

    private Spawned(ChildProcess child, Socket ours)
    {
        Child = child;
        Ours = ours;
    }

    public ChildProcess Child { get; }

    public Socket Ours { get; }

    /// <summary>Runs <paramref name="argv"/> (argv[0] is the program's absolute path) with our minimal environment, in /.</summary>
    public static Spawned Start(params string[] argv) => Start(request => request, argv);

    public static Spawned Start(Func<SpawnRequest, SpawnRequest> configure, params string[] argv)
    {
        (Socket ours, var childEnd) = SocketPair.Create();
        using (childEnd)
        {
            int fd = (int)childEnd.DangerousGetHandle();
            try
            {
                var request = configure(new SpawnRequest(argv[0], argv, MinimalEnvironment, "/", fd, fd, null, null));
                return new Spawned(ChildProcess.Spawn(request), ours);
            }
            catch
            {
                ours.Dispose();
                throw;
            }
        }
    }

    /// <summary>Everything the child (and whatever shares its stdout) writes, to the end of the stream.</summary>
    public async Task<string> ReadToEndAsync(CancellationToken cancellationToken) =>
        Encoding.UTF8.GetString(await Net.ReadToEndAsync(Ours, cancellationToken));

    /// <summary>One line, without its \n, read a byte at a time so that nothing after it is consumed.</summary>
    public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (await Ours.ReceiveAsync(one, SocketFlags.None, cancellationToken) == 1 && one[0] != (byte)'\n')
        {
            line.Add(one[0]);
        }
        return Encoding.UTF8.GetString([.. line]);
    }

    public void Dispose()
    {
        Child.Dispose();
        Ours.Dispose();
    }
}
