namespace Inetkit.Scanning.Reports;

/// <summary>Ports written compactly, as nmap writes them: <c>1-30,35757,38595</c>.</summary>
public static class PortRangeText
{
    /// <summary>Reads what <see cref="Format"/> wrote (empty: no ports).</summary>
    /// <exception cref="FormatException">Not a list of ports and ranges.</exception>
    public static List<int> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ports = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] ends = part.Split('-');
            if (ends.Length > 2 || !Text.PlainDecimal.TryParse(ends[0], out int first) || !Text.PlainDecimal.TryParse(ends[^1], out int last)
                || first < 0 || last > 65535 || last < first)
            {
                throw new FormatException($"'{part}' is not a port or a range of ports");
            }
            ports.AddRange(Enumerable.Range(first, last - first + 1));
        }
        return ports;
    }

    /// <summary>Formats ascending ports.</summary>
    public static string Format(IEnumerable<int> ascending)
    {
        var text = new System.Text.StringBuilder();
        int first = -1, last = -1;
        foreach (int port in ascending)
        {
            if (port == last + 1 && first >= 0)
            {
                last = port;
                continue;
            }
            Flush();
            first = last = port;
        }
        Flush();
        return text.ToString();

        void Flush()
        {
            if (first < 0)
            {
                return;
            }
            if (text.Length > 0)
            {
                text.Append(',');
            }
            text.Append(first.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (last != first)
            {
                text.Append('-').Append(last.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
