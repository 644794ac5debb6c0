namespace Inetkit.Impairment;

/// <summary>
/// An <c>--impair</c> spec that cannot be used. A <see cref="FormatException"/> so that the CLI's usage-error path
/// (exit 2) takes it as it takes any other malformed option; the message names the part and says what to write.
/// </summary>
public sealed class ImpairmentSpecException : FormatException
{
    /// <summary>Creates the exception for <paramref name="part"/>, as written.</summary>
    public ImpairmentSpecException(string part, string problem)
        : base($"impairment '{part}': {problem}")
    {
        Part = part;
        Problem = problem;
    }

    /// <summary>The part of the spec at fault, as written (with its <c>up:</c> or <c>down:</c>).</summary>
    public string Part { get; }

    /// <summary>What is wrong, without the part.</summary>
    public string Problem { get; }
}
