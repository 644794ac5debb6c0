namespace Inetkit.Impairment.Internal;

/// <summary>
/// One part of a spec as it is written back: its key and value (<c>loss</c>, <c>5%</c>), and what a log or a trace
/// says of it (<c>loss 5%</c>); null for parts that only qualify another (<c>gap</c> is told with <c>reorder</c>).
/// </summary>
internal readonly record struct ImpairmentPart(string Key, string Value, string? Description);
