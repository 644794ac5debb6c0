namespace Inetkit.Impairment;

/// <summary>
/// Cuts a chunk into the pieces the slicer toxic writes. Toxiproxy's algorithm: a piece no more than
/// <c>size_variation</c> bigger than <c>average_size</c> is written as it is; a bigger one is split near its middle,
/// moved by a random amount in ±<c>size_variation</c>, and both halves are cut again. So pieces are between about
/// half the average and the average plus the variation, with no tendency to be small at the start or the end.
/// </summary>
/// <remarks>
/// Different from toxiproxy: the middle moves by a uniform amount in [-variation, +variation] (toxiproxy's
/// <c>rand.Intn(2v) - v</c> never reaches +v, and panics for a variation of 0), from <c>new Random(seed)</c>, so the
/// same seed cuts the same pieces; and the split point is kept strictly inside the chunk, so no piece is empty.
/// </remarks>
internal sealed class StreamSlicer
{
    private readonly int _average;
    private readonly int _variation;
    private readonly Random _random;

    public StreamSlicer(int averageSize, int sizeVariation, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(averageSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeVariation);
        _average = averageSize;
        _variation = sizeVariation;
        _random = random;
    }

    /// <summary>The sizes of the pieces of a chunk of <paramref name="length"/> bytes, in order; they add up to it.</summary>
    public List<int> Sizes(int length)
    {
        var sizes = new List<int>();
        Cut(0, length, sizes);
        return sizes;
    }

    private void Cut(int start, int end, List<int> sizes)
    {
        int length = end - start;
        if (length - _average <= _variation || length < 2)
        {
            if (length > 0)
            {
                sizes.Add(length);
            }
            return;
        }
        int middle = start + (length / 2) + (_variation == 0 ? 0 : _random.Next(-_variation, _variation + 1));
        middle = Math.Clamp(middle, start + 1, end - 1);
        Cut(start, middle, sizes);
        Cut(middle, end, sizes);
    }
}
