namespace Inetkit.Threading;

/// <summary>
/// A loop on a thread of its own, blocked in the kernel between events (accept, recvfrom): woken by the kernel
/// directly, never holding the epoll thread or a pool thread. The task completes when the loop returns.
/// </summary>
internal static class DedicatedThread
{
    public static Task Start(string name, Action loop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                loop();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }
}
