namespace Inetkit.Tests.Support;

/// <summary>The checkout the tests were built from: for the files a test checks as shipped (units, docs).</summary>
internal static class Repository
{
    /// <summary>The directory holding Inetkit.slnx, above the test binaries.</summary>
    public static string Root
    {
        get
        {
            for (DirectoryInfo? at = new(AppContext.BaseDirectory); at is not null; at = at.Parent)
            {
                if (File.Exists(Path.Combine(at.FullName, "Inetkit.slnx")))
                {
                    return at.FullName;
                }
            }
            throw new DirectoryNotFoundException($"no Inetkit.slnx above {AppContext.BaseDirectory}");
        }
    }
}
