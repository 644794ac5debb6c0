using Inetkit.Protocol;

namespace Inetkit.Clients;

/// <summary>
/// Checks a received stream against the RFC 864 pattern from whatever offset it starts at: the first bytes narrow
/// the possible offsets in the 7,030-byte period down to one, then every byte must follow from it.
/// </summary>
public sealed class ChargenVerifier
{
    private List<int>? _candidates;
    private long _position;

    /// <summary>Bytes checked so far.</summary>
    public long Position => _position;

    /// <summary>Where in the period the stream started, once the first bytes have settled it.</summary>
    public int? StartOffset => _candidates is [int only] ? only : null;

    /// <summary>Checks the next <paramref name="data"/>; returns the stream position of the first wrong byte, or -1.</summary>
    public long Check(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return -1;
        }
        if (_candidates is null)
        {
            _candidates = [];
            for (int k = 0; k < ChargenPattern.PeriodLength; k++)
            {
                if (ChargenPattern.At(k) == data[0])
                {
                    _candidates.Add(k);
                }
            }
        }
        int i = 0;
        while (_candidates.Count > 1 && i < data.Length)
        {
            long at = _position + i;
            byte b = data[i];
            _candidates.RemoveAll(k => ChargenPattern.At(k + at) != b);
            i++;
        }
        if (_candidates.Count == 0)
        {
            return _position + Math.Max(0, i - 1);
        }
        int start = _candidates[0];
        while (i < data.Length)
        {
            int length = Math.Min(data.Length - i, ChargenPattern.PeriodLength);
            ReadOnlySpan<byte> expected = ChargenPattern.Slice(start + _position + i, length).Span;
            int same = data.Slice(i, length).CommonPrefixLength(expected);
            if (same < length)
            {
                return _position + i + same;
            }
            i += length;
        }
        _position += data.Length;
        return -1;
    }
}
