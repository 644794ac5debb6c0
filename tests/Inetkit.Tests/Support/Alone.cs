namespace Inetkit.Tests.Support;

/// <summary>
/// Tests that take a large share of the machine (10,000 connections hold a third of the ephemeral ports) run by
/// themselves, after the others, so that no other test finds its port numbers or descriptors taken.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    public const string Name = "alone";
}
