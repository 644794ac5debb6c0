using System.Net.Sockets;
using Inetkit.Clients;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Scanning;

namespace Inetkit.Cli;

/// <summary>The one place where an exception becomes one line on stderr and an exit code; never a stack trace.</summary>
internal static class CliErrors
{
    public static int Report(Exception exception, TextWriter error)
    {
        (string message, int code) = Describe(exception);
        error.WriteLine($"inetkit: {message}");
        if (Environment.GetEnvironmentVariable("INETKIT_DEBUG") == "1")
        {
            error.WriteLine(exception);
        }
        return code;
    }

    /// <summary>The one line and the exit code for <paramref name="exception"/>.</summary>
    public static (string Message, int Code) Describe(Exception exception)
    {
        return exception switch
        {
            BindFailedException { Reason: BindFailure.AddressInUse } e =>
                ($"cannot listen on {e.EndPoint} ({Name(e)}): address already in use; stop whatever holds it (ss -lntup shows it) or choose another port with --port or --port-offset", ExitCodes.Failure),
            BindFailedException { Reason: BindFailure.AccessDenied } e =>
                ($"cannot listen on {e.EndPoint} ({Name(e)}): permission denied; ports below 1024 need privilege (root or CAP_NET_BIND_SERVICE); use --port-offset {WellKnownPorts.DefaultOffset} for unprivileged ports", ExitCodes.Failure),
            BindFailedException { Reason: BindFailure.AddressNotAvailable } e =>
                ($"cannot listen on {e.EndPoint} ({Name(e)}): {e.EndPoint.Address} is not an address of this machine; check --bind", ExitCodes.Failure),
            BindFailedException e => ($"cannot listen on {e.EndPoint} ({Name(e)}): {e.InnerException?.Message ?? e.Message}", ExitCodes.Failure),
            Metrics.MetricsBindException e => ($"{e.Message}; stop whatever holds it (ss -lntp shows it) or give --metrics another port", ExitCodes.Failure),
            QuotesFileException e => (e.Message, ExitCodes.Failure),
            Exec.ExecFailedException e => (e.Message, ExitCodes.Failure),
            Hosting.Systemd.SocketActivationException e => (e.Message, ExitCodes.Failure),
            PlatformNotSupportedException e => (e.Message, ExitCodes.Failure),
            ClientException e => (e.Message, e.Failure switch
            {
                ClientFailure.Unreachable => ExitCodes.Unreachable,
                ClientFailure.Timeout => ExitCodes.Timeout,
                ClientFailure.WrongData => ExitCodes.WrongData,
                _ => ExitCodes.Failure,
            }),
            InputException e => ($"{e.Command}: {e.Message}", ExitCodes.Usage),
            Scanning.Merging.ReportMergeException e => ($"merge: {e.Message}", ExitCodes.Usage),
            UnauthorizedScanException e => ($"scan refused: {e.Message}", ExitCodes.Refused),
            ScopeException e => ($"scan refused: {e.Message}. {ScanAuthorization.Warning}", ExitCodes.Refused),
            RawSocketPermissionException e => ($"scan: {e.Message}", ExitCodes.Failure),
            ScanResourceException e => ($"scan: {e.Message}", ExitCodes.Failure),
            ArgumentException e => (e.Message, ExitCodes.Usage),
            OperationCanceledException => ("interrupted (SIGINT or SIGTERM) before the exchange was done", ExitCodes.Interrupted),
            SocketException e => ($"socket error: {e.Message}", ExitCodes.Failure),
            _ => ($"unexpected error: {exception.GetType().Name}: {exception.Message}", ExitCodes.Failure),
        };
    }

    private static string Name(BindFailedException e) => $"{e.ServiceName}/{(e.Transport == Transport.Tcp ? "tcp" : "udp")}";
}
