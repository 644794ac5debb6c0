using Inetkit.Cli;

using var stop = new ShutdownSignals();
return await InetkitCli.RunAsync(args, Console.Out, Console.Error, stop.Token);
