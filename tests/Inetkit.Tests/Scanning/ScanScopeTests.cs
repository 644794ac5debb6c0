using System.Net;
using Inetkit.Scanning;

namespace Inetkit.Tests.Scanning;

/// <summary>The authorization scope, decided without a socket.</summary>
public sealed class ScanScopeTests
{
    private const string Valid = """
        # signed off for the quarterly audit
        authorized-by: Jane Doe, network owner, in writing
        reference: TICKET-4242
        expires: 2026-12-31

        192.0.2.0/24
        2001:db8::/64
        Host.Example.org
        """;

    [Fact]
    public void Parse_ReadsTheFieldsAndEntries()
    {
        ScanScope scope = ScanScope.Parse(Valid, "scope.txt");

        Assert.Equal("Jane Doe, network owner, in writing", scope.AuthorizedBy);
        Assert.Equal("TICKET-4242", scope.Reference);
        Assert.Equal(new DateOnly(2026, 12, 31), scope.Expires);
        Assert.Equal(2, scope.Ranges.Count);
        Assert.True(scope.CoversName("host.example.org"));
        Assert.True(scope.CoversName("HOST.example.org."));
        Assert.False(scope.CoversName("other.example.org"));
    }

    [Theory]
    [InlineData("192.0.2.0", true)]
    [InlineData("192.0.2.255", true)]
    [InlineData("192.0.1.255", false)]
    [InlineData("192.0.3.0", false)]
    [InlineData("2001:db8::", true)]
    [InlineData("2001:db8::ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8:0:1::", false)]
    [InlineData("::ffff:192.0.2.7", true)]
    public void Covers_CidrEdges(string address, bool covered)
    {
        Assert.Equal(covered, ScanScope.Parse(Valid, "s").Covers(IPAddress.Parse(address)));
    }

    [Fact]
    public void Covers_ARangeOnlyWhenWhollyInside()
    {
        ScanScope scope = ScanScope.Parse(Valid, "s");

        Assert.True(scope.Covers(AddressRange.Cidr(IPAddress.Parse("192.0.2.128"), 25)));
        Assert.False(scope.Covers(AddressRange.Cidr(IPAddress.Parse("192.0.2.0"), 23)));
    }

    [Fact]
    public void Expiry_IsInclusiveOfTheLastDay()
    {
        ScanScope scope = ScanScope.Parse(Valid, "s");

        Assert.False(scope.IsExpired(new DateTimeOffset(2026, 12, 31, 23, 59, 59, TimeSpan.Zero)));
        Assert.True(scope.IsExpired(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        // Local offsets are converted: 2027-01-01T01:00+02:00 is still 2026-12-31 in UTC.
        Assert.False(scope.IsExpired(new DateTimeOffset(2027, 1, 1, 1, 0, 0, TimeSpan.FromHours(2))));
    }

    [Theory]
    [InlineData("reference: r\nexpires: 2026-12-31\n192.0.2.0/24", "'authorized-by:' is missing")]
    [InlineData("authorized-by: a\nexpires: 2026-12-31\n192.0.2.0/24", "'reference:' is missing")]
    [InlineData("authorized-by: a\nreference: r\n192.0.2.0/24", "'expires:' is missing")]
    [InlineData("authorized-by: a\nreference: r\nexpires: 31/12/2026\n192.0.2.0/24", "is not a date like 2026-12-31")]
    [InlineData("authorized-by: a\nreference: r\nexpires: 2026-12-31", "lists no networks or hosts")]
    [InlineData("authorized-by: a\nauthorized-by: b\nreference: r\nexpires: 2026-12-31\n192.0.2.0/24", "line 2: 'authorized-by' is given twice")]
    [InlineData("authorized-by: a\nreference: r\nexpires: 2026-12-31\nsigned: yes\n192.0.2.0/24", "line 4: unknown field 'signed'")]
    [InlineData("authorized-by: a\nreference: r\nexpires: 2026-12-31\n192.0.2.0/33", "line 4: '192.0.2.0/33' is not a CIDR block")]
    [InlineData("authorized-by: \nreference: r\nexpires: 2026-12-31\n192.0.2.0/24", "'authorized-by:' is missing")]
    [InlineData("authorized-by: a\nreference: r\nexpires: 2026-12-31\nabcd::/16\nnot an entry", "line 5: 'not an entry' is not an address")]
    public void Malformed_NamesTheFileAndWhatIsWrong(string text, string problem)
    {
        var e = Assert.Throws<ScopeException>(() => ScanScope.Parse(text, "scope.txt"));

        Assert.StartsWith("scope file scope.txt: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"inetkit-scope-{Guid.NewGuid():N}");

        var e = Assert.Throws<ScopeException>(() => ScanScope.Load(path));

        Assert.Equal($"scope file {path}: does not exist", e.Message);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.255.255.254", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("128.0.0.1", false)]
    [InlineData("::2", false)]
    public void Loopback_NeedsNoScope(string address, bool loopback)
    {
        Assert.Equal(loopback, ScanScope.IsLoopback(IPAddress.Parse(address)));
    }
}
