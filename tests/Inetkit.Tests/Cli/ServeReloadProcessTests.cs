using System.Net;
using System.Net.Sockets;
using System.Text;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary>The real process with --config: SIGHUP rereads the file, xinetd's habit.</summary>
public sealed class ServeReloadProcessTests : IDisposable
{
    private readonly Programs _programs = new();

    public void Dispose() => _programs.Dispose();

    [Fact]
    public async Task Hangup_AddsAndRemovesServices_AStreamingClientLosesNoByte_ABrokenFileChangesNothing()
    {
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(60));
        string path = Path.Combine(_programs.Directory, "serve.toml");
        await File.WriteAllTextAsync(path, "[defaults]\nbind = [\"127.0.0.1\"]\ntcp = true\n[service.echo]\nport = 0\nmax-connections = 2\n", timeout.Token);
        await using var inetkit = ChildProcess.Start("serve", "--config", path);
        IPEndPoint echo = await inetkit.FirstEndPointAsync(timeout.Token);
        using Socket streaming = await Net.ConnectAsync(echo, timeout.Token);
        byte[] data = Net.RandomBytes(3_000_000);
        Task<byte[]> reading = Net.ReadToEndAsync(streaming, timeout.Token);
        await Net.SendAllAsync(streaming, data.AsMemory(0, 1_000_000), timeout.Token);

        // Changed limits and an added service, mid-stream.
        await File.WriteAllTextAsync(path, "[defaults]\nbind = [\"127.0.0.1\"]\ntcp = true\n[service.echo]\nport = 0\nmax-connections = 5\n[service.daytime]\nport = 0\n", timeout.Token);
        inetkit.Signal(ChildProcess.SigHup);
        await inetkit.Err.WaitForLineAsync(l => l.Contains("reloaded", StringComparison.Ordinal) && l.Contains("added daytime", StringComparison.Ordinal), timeout.Token);
        IPEndPoint daytime = IPEndPoint.Parse((await inetkit.Out.WaitForLineAsync(l => l.StartsWith("daytime", StringComparison.Ordinal), timeout.Token)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);
        Assert.EndsWith("\r\n", Encoding.ASCII.GetString(await Net.ExchangeAsync(daytime, Inetkit.Protocol.Transport.Tcp, [], timeout.Token)), StringComparison.Ordinal);
        await Net.SendAllAsync(streaming, data.AsMemory(1_000_000, 1_000_000), timeout.Token);

        // A broken file: one line, and the old services keep answering.
        await File.WriteAllTextAsync(path, "[service.echo\n", timeout.Token);
        inetkit.Signal(ChildProcess.SigHup);
        string refused = await inetkit.Err.WaitForLineAsync(l => l.Contains("reload refused", StringComparison.Ordinal), timeout.Token);
        Assert.Contains($"{path}:1:14:", refused, StringComparison.Ordinal);
        Assert.NotEmpty(await Net.ExchangeAsync(daytime, Inetkit.Protocol.Transport.Tcp, [], timeout.Token));

        // echo removed: it stops accepting, and the open stream finishes.
        await File.WriteAllTextAsync(path, "[defaults]\nbind = [\"127.0.0.1\"]\ntcp = true\n[service.daytime]\nport = 0\n", timeout.Token);
        inetkit.Signal(ChildProcess.SigHup);
        await inetkit.Err.WaitForLineAsync(l => l.Contains("removed echo", StringComparison.Ordinal), timeout.Token);
        await Assert.ThrowsAsync<SocketException>(() => Net.ConnectAsync(echo, timeout.Token));
        await Net.SendAllAsync(streaming, data.AsMemory(2_000_000), timeout.Token);
        streaming.Shutdown(SocketShutdown.Send);
        Assert.Equal(data, await reading);

        inetkit.Signal(ChildProcess.SigTerm);
        Assert.Equal(0, await inetkit.WaitForExitAsync(timeout.Token));
    }
}
