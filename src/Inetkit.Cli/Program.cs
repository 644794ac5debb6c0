using Inetkit.Cli;

// Socket completions run on the epoll thread that saw them instead of a hop to the thread pool: every service
// continuation is short and never blocks, and the hop was the largest single cost of a TCP echo (docs/benchmarks.md).
// Read once, when the first socket is made; a value set by the user wins.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

using var stop = new ShutdownSignals();
return await InetkitCli.RunAsync(args, CliConsole.System, stop.Token);
