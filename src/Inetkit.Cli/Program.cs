using Inetkit.Cli;

SocketEngineSettings.Apply();
using var stop = new ShutdownSignals();
return await InetkitCli.RunAsync(args, CliConsole.System, stop.Token);
