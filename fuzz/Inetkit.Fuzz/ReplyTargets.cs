using System.Reflection;
using Inetkit.Clients;
using Inetkit.Scanning;

namespace Inetkit.Fuzz;

/// <summary>What a remote server sends back: a scanned service's first bytes, a chargen stream. Neither parser throws.</summary>
internal static class ReplyTargets
{
    private delegate string? BannerReader(ReadOnlySpan<byte> data);

    // BannerText is internal to the library, whose InternalsVisibleTo list the harness is not on.
    private static readonly BannerReader ReadBanner = typeof(PortScanner).Assembly
        .GetType("Inetkit.Scanning.Internal.BannerText", throwOnError: true)!
        .GetMethod("From", BindingFlags.Public | BindingFlags.Static)!
        .CreateDelegate<BannerReader>();

    public static void Banner(byte[] data) => ReadBanner(data);

    // The first byte sets the size of the reads the rest arrives in (0: one read), so that the verifier is also
    // fuzzed across read boundaries, as a TCP stream splits anywhere.
    public static void Chargen(byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }
        var verifier = new ChargenVerifier();
        ReadOnlySpan<byte> stream = data.AsSpan(1);
        int chunk = data[0] == 0 ? Math.Max(1, stream.Length) : data[0];
        for (int at = 0; at < stream.Length; at += chunk)
        {
            if (verifier.Check(stream.Slice(at, Math.Min(chunk, stream.Length - at))) >= 0)
            {
                return;
            }
        }
    }
}
