using System.Runtime.Versioning;
using Inetkit.Exec;
using Inetkit.Exec.Internal;
using Inetkit.Tests.Support;
using ChildProcess = Inetkit.Exec.ChildProcess;

namespace Inetkit.Tests.Exec;

/// <summary>A child's stderr cut into lines: the splitting on bytes, then a real child on a socket pair.</summary>
public sealed class StderrLinesTests
{
    [Fact]
    public void Split_Lines_WithoutTheirNewlineOrTrailingCr()
    {
        Assert.Equal(["one", "two", "", "three\rx"], Split("one\ntwo\r\n\nthree\rx\n"u8));
    }

    [Fact]
    public void Split_LastLineWithoutNewline_IsDeliveredAtTheEnd()
    {
        Assert.Equal(["a", "last"], Split("a\nlast"u8));
    }

    [Fact]
    public void Split_LongLine_IsCutAndTheRestOfItDropped()
    {
        byte[] input = [.. Enumerable.Repeat((byte)'a', 5000), .. "\r\nnext\n"u8];

        Assert.Equal([new string('a', LineSplitter.MaxLineBytes), "next"], Split(input));
    }

    [Fact]
    public void Split_LineOfExactlyTheLimit_IsWhole()
    {
        byte[] input = [.. Enumerable.Repeat((byte)'b', LineSplitter.MaxLineBytes), .. "\n"u8];

        Assert.Equal([new string('b', LineSplitter.MaxLineBytes)], Split(input));
    }

    [Fact]
    public void Split_LongLineWithoutNewline_IsDeliveredOnceCut()
    {
        byte[] input = [.. Enumerable.Repeat((byte)'c', 10_000)];

        Assert.Equal([new string('c', LineSplitter.MaxLineBytes)], Split(input));
    }

    [Fact]
    public void Split_CutThroughACharacter_DropsItsFirstBytes()
    {
        // 4,095 bytes of 'a', then é (C3 A9): the cut falls between its two bytes.
        byte[] input = [.. Enumerable.Repeat((byte)'a', LineSplitter.MaxLineBytes - 1), .. "é and more\n"u8];

        Assert.Equal([new string('a', LineSplitter.MaxLineBytes - 1)], Split(input));
    }

    [Fact]
    public void Split_InvalidUtf8_IsReplaced()
    {
        Assert.Equal(["\uFFFDx\uFFFD", "ünï"], Split([0xFF, (byte)'x', 0xC3, (byte)'\n', .. "ünï"u8]));
    }

    [Fact]
    public void Split_AByteAtATime_GivesTheSameLines()
    {
        byte[] input = [.. "one\r\n"u8, .. Enumerable.Repeat((byte)'z', 6000), .. "\nünï\n\nend"u8];
        var lines = new List<string>();
        var splitter = new LineSplitter(lines.Add);

        foreach (byte b in input)
        {
            splitter.Feed([b]);
        }
        splitter.Finish();

        Assert.Equal(Split(input), lines);
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task ReadAsync_RealChild_GivesItsStderrLines()
    {
        using var timeout = TestTimeout.Create();
        var lines = new List<string>();
        using var stderr = StderrLines.Open(lines.Add);
        using var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        int fd = (int)devNull.DangerousGetHandle();
        using var child = ChildProcess.Spawn(new SpawnRequest("/bin/sh",
            ["sh", "-c", @"echo one >&2; printf 'two\r\n' >&2; printf '\377x\n' >&2; printf last >&2"],
            Spawned.MinimalEnvironment, "/", fd, fd, stderr.ChildFd, null));
        stderr.ReleaseChildEnd();

        await stderr.ReadAsync(timeout.Token);
        ChildExit exit = await child.Exited.WaitAsync(timeout.Token);

        Assert.Equal(["one", "two", "\uFFFDx", "last"], lines);
        Assert.Equal(0, exit.ExitCode);
    }

    private static List<string> Split(ReadOnlySpan<byte> input)
    {
        var lines = new List<string>();
        var splitter = new LineSplitter(lines.Add);
        splitter.Feed(input);
        splitter.Finish();
        return lines;
    }
}
