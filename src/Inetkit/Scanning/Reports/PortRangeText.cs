namespace Inetkit.Scanning.Reports;

/// <summary>Ports written compactly, as nmap writes them: <c>1-30,35757,38595</c>.</summary>
public static class PortRangeText
{
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
