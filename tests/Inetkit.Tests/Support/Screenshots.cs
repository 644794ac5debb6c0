namespace Inetkit.Tests.Support;

/// <summary>
/// Screenshots of pages under test: always taken and checked to be PNGs; kept in the repository's docs/ only when
/// INETKIT_SCREENSHOTS=docs (each run's ports and times differ, so a plain test run must not rewrite the committed
/// ones): <c>INETKIT_SCREENSHOTS=docs tests/Inetkit.Tests/bin/Debug/net10.0/Inetkit.Tests -class Inetkit.Tests.Demo.DemoWebPageTests</c>.
/// </summary>
internal static class Screenshots
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static async Task WriteAsync(BrowserPage page, string name)
    {
        string? docs = Environment.GetEnvironmentVariable("INETKIT_SCREENSHOTS") == "docs" ? Path.Combine(Repository.Root, "docs") : null;
        string directory = docs ?? Directory.CreateTempSubdirectory("inetkit-screenshot-").FullName;
        string path = Path.Combine(directory, name);
        try
        {
            await page.ScreenshotAsync(path);
            byte[] header = new byte[PngSignature.Length];
            await using (FileStream file = File.OpenRead(path))
            {
                await file.ReadExactlyAsync(header, TestContext.Current.CancellationToken);
            }
            Assert.Equal(PngSignature, header);
            TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
        }
        finally
        {
            if (docs is null)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
