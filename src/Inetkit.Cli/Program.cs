using Inetkit.Cli;

using var stop = new ShutdownSignals();
return await InetkitCli.RunAsync(args, CliConsole.System, stop.Token);
