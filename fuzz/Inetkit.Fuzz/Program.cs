using Inetkit.Fuzz;
using SharpFuzz;

if (args.Length != 1 || !Targets.All.TryGetValue(args[0], out Action<byte[]>? target))
{
    await Console.Error.WriteLineAsync($"usage: dotnet Inetkit.Fuzz.dll TARGET < INPUT   (targets: {string.Join(", ", Targets.All.Keys)})");
    return 2;
}

// Out of process: a stack overflow or a hang kills only the child, which SharpFuzz restarts, instead of ending the
// whole fork server. Outside afl-fuzz it runs the input from stdin once, so a crash file replays as it is.
Fuzzer.OutOfProcess.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    target(input.ToArray());
});
return 0;
