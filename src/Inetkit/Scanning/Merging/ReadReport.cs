namespace Inetkit.Scanning.Merging;

/// <summary>A report read back from its file: the scan it holds (its plan carries the shard) and the command line that ran it.</summary>
public sealed record ReadReport(string File, ScanReport Report, string CommandLine);

/// <summary>A report that cannot be read, or reports that cannot be merged; the message names the file and what to do.</summary>
public sealed class ReportMergeException(string message) : Exception(message);
