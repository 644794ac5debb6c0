using Inetkit.Protocol;
using Inetkit.Scanning;

namespace Inetkit.Tests.Scanning;

public sealed class ServiceNamesTests
{
    [Fact]
    public void BuiltInTable_NamesTheClassicServices_WithoutAnyFile()
    {
        ServiceNames names = ServiceNames.FromText("");

        Assert.Equal("echo", names.Lookup(Transport.Udp, 7));
        Assert.Equal("qotd", names.Lookup(Transport.Tcp, 17));
        Assert.Equal("ssh", names.Lookup(Transport.Tcp, 22));
        Assert.Null(names.Lookup(Transport.Udp, 22));
        Assert.Null(names.Lookup(Transport.Tcp, 10007));
    }

    [Fact]
    public void ServicesFile_IsReadInTheServices5Format_AndWinsOverTheBuiltInTable()
    {
        ServiceNames names = ServiceNames.FromText("""
            # comment line
            tcpmux		1/tcp				# TCP port service multiplexer
            ssh		22/tcp  secure-shell		# SSH Remote Login Protocol
            myecho		7/udp
            second		7/udp
            inetkit-echo	10007/tcp
            broken		notaport/tcp
            weird		99/sctp
            """);

        Assert.Equal("tcpmux", names.Lookup(Transport.Tcp, 1));
        Assert.Equal("myecho", names.Lookup(Transport.Udp, 7)); // first entry wins, and the file over the table
        Assert.Equal("echo", names.Lookup(Transport.Tcp, 7));
        Assert.Equal("inetkit-echo", names.Lookup(Transport.Tcp, 10007));
        Assert.Null(names.Lookup(Transport.Tcp, 99));
    }

    [Fact]
    public void FromSystem_ReadsThisMachinesDatabase()
    {
        ServiceNames names = ServiceNames.FromSystem();

        Assert.Equal("ssh", names.Lookup(Transport.Tcp, 22));
    }
}
