namespace Inetkit.Conformance;

/// <summary>
/// What a case's check found, before its level is applied: <see cref="Verdict.Fail"/> here becomes a warning for a
/// should case. <see cref="Got"/> says what came back, in one line (for data: the first differing offset, both
/// bytes, the lengths).
/// </summary>
public sealed record CaseOutcome(Verdict Verdict, string Expected, string Got)
{
    /// <summary>The server did what was expected.</summary>
    public static CaseOutcome Pass(string expected, string got) => new(Verdict.Pass, expected, got);

    /// <summary>The server did not.</summary>
    public static CaseOutcome Fail(string expected, string got) => new(Verdict.Fail, expected, got);

    /// <summary>An info case's finding that deserves a look.</summary>
    public static CaseOutcome Notice(string expected, string got) => new(Verdict.Warn, expected, got);

    /// <summary>Not run, and why.</summary>
    public static CaseOutcome Skip(string why) => new(Verdict.Skip, "", why);

    /// <summary>Pass when <paramref name="got"/> equals <paramref name="expected"/> byte for byte, else a fail naming the first difference.</summary>
    public static CaseOutcome SameBytes(string what, ReadOnlySpan<byte> expected, ReadOnlySpan<byte> got) =>
        expected.SequenceEqual(got)
            ? Pass(what, $"{ByteDifference.Bytes(got.Length)}, identical")
            : Fail(what, ByteDifference.Describe(expected, got));
}
