namespace Inetkit.Protocol;

// Short quotes about computing and networks; the first is the one the seed note's QOTD server sends.
internal static class BuiltInQuotes
{
    public const string Text = """
        Object oriented programs are offered as alternatives to correct ones.
            -- Edsger W. Dijkstra
        %
        Be conservative in what you do, be liberal in what you accept from others.
            -- Jon Postel, RFC 793
        %
        We reject kings, presidents and voting. We believe in rough consensus and running code.
            -- David D. Clark, IETF, 1992
        %
        Simplicity is prerequisite for reliability.
            -- Edsger W. Dijkstra
        %
        Program testing can be used to show the presence of bugs, but never to show their absence.
            -- Edsger W. Dijkstra
        %
        Premature optimization is the root of all evil.
            -- Donald E. Knuth
        %
        Programs must be written for people to read, and only incidentally for machines to execute.
            -- Harold Abelson and Gerald Jay Sussman
        %
        The network is the computer.
            -- John Gage
        %
        Any sufficiently advanced technology is indistinguishable from magic.
            -- Arthur C. Clarke
        %
        The most effective debugging tool is still careful thought, coupled with judiciously placed print statements.
            -- Brian W. Kernighan
        """;
}
