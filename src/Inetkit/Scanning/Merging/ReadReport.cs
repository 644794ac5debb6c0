namespace Inetkit.Scanning.Merging;

/// <summary>A report read back from its file: the scan it holds (its plan carries the shard) and the command line that ran it.</summary>
public sealed record ReadReport(string File, ScanReport Report, string CommandLine);
