using System.Net;

namespace Inetkit.Tracing;

/// <summary>What a trace event tells.</summary>
public enum TraceKind
{
    /// <summary>A socket call made and returned (or failed): <see cref="TraceEvent.Result"/> says how.</summary>
    Call,

    /// <summary>A blocking call began and waits (for a datagram, a connection, the peer's bytes); its <see cref="Call"/> follows when it returns.</summary>
    Waiting,

    /// <summary>A narration that is not a socket call (a guard's decision, a toxic's effect, a comment on the call before).</summary>
    Note,
}

/// <summary>
/// One thing one side did, in the seed note's vocabulary: the seam that every view of an exchange renders, the
/// trace's text (<see cref="Text"/>), a demo's sequence diagram, its Mermaid and its JSON, without parsing any text.
/// </summary>
public sealed record TraceEvent
{
    /// <summary>When it happened (the wall clock, so that packets captured by the kernel can be placed among the calls).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Who made the call: <c>echo/udp</c>, <c>qotd/tcp #3</c> for a server's connection, <c>echo/udp</c> for a client of echo.</summary>
    public required string Side { get; init; }

    /// <summary>A call, a call that waits, or a narration.</summary>
    public required TraceKind Kind { get; init; }

    /// <summary>The call (<c>recvfrom</c>, <c>sendall</c>, <c>accept</c>), or the whole narration of a <see cref="TraceKind.Note"/>.</summary>
    public required string Name { get; init; }

    /// <summary>Its arguments as the trace writes them between the parentheses: <c>4096</c>, <c>11 bytes, 127.0.0.1:7</c>.</summary>
    public string Arguments { get; init; } = "";

    /// <summary>What it returned (<c>11 bytes from 127.0.0.1:53211</c>), or how it failed; null when it returns nothing worth saying.</summary>
    public string? Result { get; init; }

    /// <summary>True when the call failed (refused, reset, timed out): <see cref="Result"/> says how.</summary>
    public bool Failed { get; init; }

    /// <summary>The bytes this call sent or received (at most <see cref="TraceSink.DataLimit"/>; empty for other calls).</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>How many bytes the call sent or received (more than <see cref="Data"/> holds when it was cut).</summary>
    public int Length { get; init; }

    /// <summary>The socket's own address, where the call knows it.</summary>
    public IPEndPoint? Local { get; init; }

    /// <summary>The other end: where the bytes went or came from, the peer accepted or connected to.</summary>
    public IPEndPoint? Peer { get; init; }

    /// <summary>What the impairment (<c>--impair</c>) decided for the datagram this call handed over: lost, duplicated, held back...</summary>
    public Impairment.ImpairmentEffects Impairment { get; init; }

    /// <summary>The trace's comment after the call (<c># UDP: only fixes the peer, sends nothing</c>).</summary>
    public string? Comment { get; init; }

    /// <summary>The line <c>--trace</c> prints, without the side: <c>recvfrom(4096) -> 11 bytes from 127.0.0.1:53211</c>.</summary>
    public string Text
    {
        get
        {
            string text = Kind == TraceKind.Note ? Name : Result is null ? $"{Name}({Arguments})" : $"{Name}({Arguments}) -> {Result}";
            // A remark in parentheses reads as part of the call; a # comment stands apart, as in code.
            return Comment is null ? text : Comment.StartsWith('(') ? $"{text} {Comment}" : $"{text}  {Comment}";
        }
    }
}
