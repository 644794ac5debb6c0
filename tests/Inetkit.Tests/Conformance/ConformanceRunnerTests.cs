using System.Net;
using System.Net.Sockets;
using Inetkit.Conformance;
using Inetkit.Protocol;

namespace Inetkit.Tests.Conformance;

public sealed class ConformanceRunnerTests
{
    [Fact]
    public async Task AServerThatAnswersOnceThenExits_IsReportedAsServingOneDatagramOnly()
    {
        // The seed's Example #1: recvfrom, sendto, and the program ends, so the next datagram draws ICMP.
        var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var endPoint = (IPEndPoint)udp.LocalEndPoint!;
        Task oneShot = Task.Run(async () =>
        {
            using (udp)
            {
                byte[] buffer = new byte[65536];
                SocketReceiveFromResult got = await udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0));
                await udp.SendToAsync(buffer.AsMemory(0, got.ReceivedBytes), SocketFlags.None, got.RemoteEndPoint);
            }
        }, TestContext.Current.CancellationToken);

        ServiceCheck check = await ConformanceRunner.RunAsync(endPoint, ServiceKind.Echo, Transport.Udp, ConformanceSuite.Matching("echo/udp/datagram-*"), new CheckOptions { Timeout = TimeSpan.FromSeconds(1) }, TestContext.Current.CancellationToken);
        await oneShot;

        Assert.True(check.Served);
        Assert.Equal(Verdict.Pass, check.Results[0].Verdict);
        Assert.All(check.Results.Skip(1), r => Assert.Equal(Verdict.Fail, r.Verdict));
        Assert.StartsWith("it served one datagram only (127.0.0.1:", check.Results[1].Got, StringComparison.Ordinal);
        Assert.Contains("ICMP port unreachable", check.Results[1].Got, StringComparison.Ordinal);
    }
}
