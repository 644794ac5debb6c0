using System.Text;

namespace Inetkit.Exec.Internal;

/// <summary>
/// Cuts a byte stream into lines for <see cref="StderrLines"/>: UTF-8 with invalid bytes replaced, a trailing \r
/// removed, a line longer than <see cref="MaxLineBytes"/> delivered cut (at a character boundary) as soon as it
/// is that long and the rest of it dropped, and a last line without \n delivered by <see cref="Finish"/>.
/// </summary>
internal sealed class LineSplitter(Action<string> line)
{
    public const int MaxLineBytes = 4096;

    private readonly byte[] _pending = new byte[MaxLineBytes];
    private int _length;

    // The current line was cut and delivered; its bytes up to the next \n are dropped.
    private bool _dropping;

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int newline = bytes.IndexOf((byte)'\n');
            ReadOnlySpan<byte> part = newline < 0 ? bytes : bytes[..newline];
            bytes = newline < 0 ? default : bytes[(newline + 1)..];
            if (!_dropping)
            {
                int room = MaxLineBytes - _length;
                if (part.Length > room)
                {
                    part[..room].CopyTo(_pending.AsSpan(_length));
                    _length = MaxLineBytes;
                    Deliver(cut: true);
                    _dropping = true;
                }
                else
                {
                    part.CopyTo(_pending.AsSpan(_length));
                    _length += part.Length;
                }
            }
            if (newline >= 0)
            {
                if (_dropping)
                {
                    _dropping = false;
                }
                else
                {
                    Deliver(cut: false);
                }
            }
        }
    }

    /// <summary>At end of stream: the last line, if it had no \n.</summary>
    public void Finish()
    {
        if (_length > 0 && !_dropping)
        {
            Deliver(cut: false);
        }
        _dropping = false;
        _length = 0;
    }

    private void Deliver(bool cut)
    {
        ReadOnlySpan<byte> text = _pending.AsSpan(0, _length);
        if (cut)
        {
            text = text[..CharacterBoundary(text)];
        }
        else if (text.EndsWith((byte)'\r'))
        {
            text = text[..^1];
        }
        _length = 0;
        line(Encoding.UTF8.GetString(text));
    }

    /// <summary>The length without a multi-byte character that the cut split, which would decode as U+FFFD.</summary>
    private static int CharacterBoundary(ReadOnlySpan<byte> text)
    {
        // A UTF-8 character is at most 4 bytes: look back at most 3 for the lead byte of the last one.
        for (int back = 1; back <= 3 && back <= text.Length; back++)
        {
            byte b = text[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // a continuation byte
            }
            int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > back ? text.Length - back : text.Length;
        }
        return text.Length;
    }
}
