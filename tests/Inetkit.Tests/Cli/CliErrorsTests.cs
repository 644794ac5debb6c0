using System.Net;
using System.Net.Sockets;
using Inetkit.Cli;
using Inetkit.Hosting;
using Inetkit.Protocol;

namespace Inetkit.Tests.Cli;

/// <summary>The error mapping for failures a test cannot provoke as root (binding below 1024 needs privilege that a test run may have).</summary>
public sealed class CliErrorsTests
{
    [Fact]
    public void PermissionDenied_SaysLowPortsNeedPrivilege_AndSuggestsPortOffset()
    {
        var e = new BindFailedException(ServiceKind.Echo, Transport.Tcp, new IPEndPoint(IPAddress.Loopback, 7), BindFailure.AccessDenied, new SocketException((int)SocketError.AccessDenied));
        var error = new StringWriter();

        int code = CliErrors.Report(e, error);

        Assert.Equal(1, code);
        Assert.Equal("inetkit: cannot listen on 127.0.0.1:7 (echo/tcp): permission denied; ports below 1024 need privilege (root or CAP_NET_BIND_SERVICE); use --port-offset 10000 for unprivileged ports\n", error.ToString());
    }

    [Fact]
    public void UnexpectedError_OneLine_NoStackTrace()
    {
        var error = new StringWriter();

        int code = CliErrors.Report(new InvalidOperationException("boom"), error);

        Assert.Equal(1, code);
        Assert.Equal("inetkit: unexpected error: InvalidOperationException: boom\n", error.ToString());
    }
}
