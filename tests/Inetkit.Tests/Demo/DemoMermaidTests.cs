using Inetkit.Demo;
using Inetkit.Demo.Rendering;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo;

/// <summary>Every example's <c>--format mermaid</c>, drawn by the real Mermaid library in headless Chromium without an error.</summary>
public sealed class DemoMermaidTests(SharedBrowser shared) : IClassFixture<SharedBrowser>
{
    public static TheoryData<string> Examples => [.. DemoCatalog.All.Where(e => e.Name != "udp-timeout").Select(e => e.Name)];

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task EachExample_RendersInMermaid_WithItsCallsAndArrows(string name)
    {
        IReadOnlyList<DemoEvent> events = await DemoExampleTests.RunAsync(name);
        string diagram = MermaidDiagram.Render(DemoCatalog.Find(name)!, events);
        Mermaid mermaid = await shared.GetMermaidAsync();

        MermaidResult result = await mermaid.RenderAsync(diagram);

        Assert.True(result.Rendered, $"{result.Error}\n{diagram}");
        Assert.Equal("sequence", result.DiagramType);
        Assert.Contains("socket(AF_INET, ", result.Svg, StringComparison.Ordinal);
    }
}
