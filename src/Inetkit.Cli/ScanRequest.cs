namespace Inetkit.Cli;

/// <summary>The scan command's options as given, before they are checked against each other and the scope.</summary>
internal sealed record ScanRequest
{
    public IReadOnlyList<string> Targets { get; init; } = [];
    public IReadOnlyList<string> InputLists { get; init; } = [];
    public IReadOnlyList<string> Exclusions { get; init; } = [];
    public IReadOnlyList<string> ExclusionFiles { get; init; } = [];
    public string? Ports { get; init; }
    public bool Tcp { get; init; }
    public bool Syn { get; init; }
    public bool Udp { get; init; }
    public int? Timeout { get; init; }
    public int? Retries { get; init; }
    public int? Concurrency { get; init; }
    public double? Rate { get; init; }
    public bool Banner { get; init; }
    public bool Trace { get; init; }
    public int BannerWait { get; init; } = 2000;
    public string? Shard { get; init; }
    public int? ShardCount { get; init; }
    public bool ShowClosed { get; init; }
    public string Format { get; init; } = "text";
    public string? Output { get; init; }
    public string? Scope { get; init; }
    public required string AuditLog { get; init; }
    public string CommandLine { get; init; } = "inetkit scan";
}

/// <summary>Bad input to a command (exit 2), reported as <c>COMMAND: message</c>.</summary>
internal class InputException(string command, string message) : Exception(message)
{
    public string Command { get; } = command;
}

/// <summary>Bad input to the scan command (exit 2): a target, a port list, a file of targets.</summary>
internal sealed class ScanInputException(string message) : InputException("scan", message);

/// <summary>Bad input to the check command (exit 2): a target, a service, a case pattern, a file of targets.</summary>
internal sealed class CheckInputException(string message) : InputException("check", message);

/// <summary>Bad input to the merge command (exit 2): a report that cannot be read, reports that are not the shards of one scan.</summary>
internal sealed class MergeInputException(string message) : InputException("merge", message);

/// <summary>Bad input to the proxy command (exit 2).</summary>
internal sealed class ProxyInputException(string message) : InputException("proxy", message);
