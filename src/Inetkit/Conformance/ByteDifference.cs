namespace Inetkit.Conformance;

/// <summary>Says where two byte strings part: the first differing offset, both bytes there, and the lengths.</summary>
public static class ByteDifference
{
    /// <summary><c>1 byte</c>, <c>1,472 bytes</c>.</summary>
    public static string Bytes(long count) => count == 1 ? "1 byte" : $"{count:N0} bytes";

    /// <summary>One line: identical, cut short, longer, or the first differing offset with both bytes; and both lengths.</summary>
    public static string Describe(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> got)
    {
        int common = expected.CommonPrefixLength(got);
        string lengths = $"{got.Length:N0} bytes where {expected.Length:N0} were expected";
        if (common == expected.Length && common == got.Length)
        {
            return $"{Bytes(got.Length)}, identical";
        }
        if (got.Length == 0)
        {
            return $"nothing came back, where {Bytes(expected.Length)} {(expected.Length == 1 ? "was" : "were")} expected";
        }
        if (common == got.Length)
        {
            return $"{lengths}: the first {common:N0} match, then nothing more came";
        }
        if (common == expected.Length)
        {
            return $"{lengths}: all {common:N0} match, then {got.Length - common:N0} bytes more, the first 0x{got[common]:X2}";
        }
        return $"{lengths}: first difference at offset {common:N0}, expected 0x{expected[common]:X2}, got 0x{got[common]:X2}";
    }
}
