using System.Globalization;

namespace Inetkit.Text;

/// <summary>
/// A number as people type it in a port, prefix or shard: ASCII digits only. <c>int.TryParse</c> with
/// <see cref="NumberStyles.None"/> still ignores trailing NUL characters ("80\0" is 80), which would let a name that
/// was cut short, or a byte that should have been refused, through as a number.
/// </summary>
internal static class PlainDecimal
{
    public static bool TryParse(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
