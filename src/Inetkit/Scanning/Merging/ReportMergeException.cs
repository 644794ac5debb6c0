namespace Inetkit.Scanning.Merging;

/// <summary>A report that cannot be read, or reports that cannot be merged; the message names the file and what to do.</summary>
public sealed class ReportMergeException(string message) : Exception(message);
