using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo;

/// <summary>The Mermaid harness itself: the real library draws a valid sequence diagram and rejects a broken one.</summary>
public sealed class MermaidRenderTests(SharedBrowser shared) : IClassFixture<SharedBrowser>
{
    [Fact]
    public async Task ASequenceDiagram_Renders_AndTheSvgHoldsItsParticipantsAndMessages()
    {
        Mermaid mermaid = await shared.GetMermaidAsync();

        MermaidResult result = await mermaid.RenderAsync("""
            sequenceDiagram
                participant Client
                participant EchoServer
                Client->>EchoServer: hello world
                Note over EchoServer: echoes what it reads
                EchoServer-->>Client: hello world back
                Client-)EchoServer: close
            """);

        Assert.True(result.Rendered, result.Error);
        Assert.Equal("sequence", result.DiagramType);
        Assert.StartsWith("<svg", result.Svg, StringComparison.Ordinal);
        foreach (string text in new[] { "Client", "EchoServer", "hello world", "echoes what it reads", "hello world back", "close" })
        {
            Assert.Contains($">{text}<", result.Svg, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ABrokenDiagram_YieldsMermaidsError_AndNoSvg()
    {
        Mermaid mermaid = await shared.GetMermaidAsync();

        MermaidResult result = await mermaid.RenderAsync("""
            sequenceDiagram
                Client->>: no one to send to
            """);

        Assert.False(result.Rendered);
        Assert.Null(result.DiagramType);
        Assert.Contains("Parse error on line 2", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterAnError_TheSameLibraryStillRenders()
    {
        Mermaid mermaid = await shared.GetMermaidAsync();

        MermaidResult broken = await mermaid.RenderAsync("sequenceDiagram\n    A->>B hello\n");
        MermaidResult fine = await mermaid.RenderAsync("sequenceDiagram\n    A->>B: hello\n");

        Assert.NotNull(broken.Error);
        Assert.True(fine.Rendered, fine.Error);
    }
}
