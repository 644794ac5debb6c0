namespace Inetkit.Impairment;

/// <summary>A snapshot of what a <see cref="StreamImpairer"/> did, for a report on what the learner's client saw.</summary>
/// <param name="BytesIn">Bytes handed to the impairer.</param>
/// <param name="BytesOut">Bytes sent to the peer (fewer than in after a timeout or a data limit).</param>
/// <param name="ChunksDelayed">Chunks held back by latency (and jitter).</param>
/// <param name="Slices">Pieces sent by the slicer.</param>
/// <param name="End">What ended the stream, or <see cref="StreamEnd.Open"/>.</param>
public readonly record struct StreamCounters(long BytesIn, long BytesOut, long ChunksDelayed, long Slices, StreamEnd End);
