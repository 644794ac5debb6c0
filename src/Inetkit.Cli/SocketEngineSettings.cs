namespace Inetkit.Cli;

/// <summary>
/// How .NET's socket engine runs in this process, chosen by measurement (docs/benchmarks.md). Both settings are read
/// once, when the first socket is made, so they are set before anything else; a value the user set wins.
/// </summary>
internal static class SocketEngineSettings
{
    public static void Apply()
    {
        // Completions run on the epoll thread that saw them, not after a hop to the thread pool: every continuation
        // in Inetkit is short and never blocks, and the hop was the largest single cost of a TCP echo.
        SetDefault("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        // With inline completions .NET starts one epoll thread per CPU. Half of them: the clients of a dummy endpoint
        // in tests, or of a benchmark, run on the same machine, and on 2 CPUs one engine echoed 141,000 messages/s
        // where two, fighting the load generator for the second CPU, managed 92,000.
        SetDefault("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", Math.Max(1, Environment.ProcessorCount / 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void SetDefault(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is null)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
