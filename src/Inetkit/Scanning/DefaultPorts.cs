namespace Inetkit.Scanning;

/// <summary>
/// What <c>inetkit scan</c> probes without <c>-p</c>: Inetkit's own six services at their well-known ports and at the
/// unprivileged 10000 offset, and the services an operator most often needs to know about on their own hosts
/// (remote shells, mail, web, file sharing, databases, remote desktops, name and time services). Chosen for
/// Inetkit, not taken from any other scanner's list.
/// </summary>
public static class DefaultPorts
{
    /// <summary>The default TCP list, as a port spec.</summary>
    public const string Tcp =
        "7,9,13,17,19,21,22,23,25,37,53,80,110,111,135,139,143,389,443,445,465,587,631,993,995,1433,1521,2049,3306,3389,"
        + "5432,5900,6379,8000,8080,8443,9200,10007,10009,10013,10017,10019,10037,11211,27017";

    /// <summary>The default UDP list, as a port spec.</summary>
    public const string Udp = "7,9,13,17,19,37,53,67,69,123,137,161,500,514,1900,5353,10007,10009,10013,10017,10019,10037";
}
