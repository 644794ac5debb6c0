namespace Inetkit.Impairment;

/// <summary>Which way an impairment acts: toward the server, toward the client, or both.</summary>
[Flags]
public enum Direction
{
    /// <summary>What the client sends, on its way to the server (<c>up:</c>).</summary>
    Up = 1,

    /// <summary>What the server sends, on its way to the client (<c>down:</c>); serve's default.</summary>
    Down = 2,

    /// <summary>Both ways; proxy's default.</summary>
    Both = Up | Down,
}
