using System.Runtime.InteropServices;
using System.Text;

namespace Inetkit.Exec.Internal;

/// <summary>
/// A char*[] ending in NULL, as execve wants argv and envp: the pointers and the UTF-8 strings in one native block,
/// freed on dispose.
/// </summary>
internal sealed unsafe class NativeStringArray : IDisposable
{
    private void* _block;

    /// <summary>Throws <see cref="ArgumentException"/> if a string holds a NUL, which C would cut it at.</summary>
    public NativeStringArray(IReadOnlyList<string> strings, string what)
    {
        int pointers = (strings.Count + 1) * sizeof(byte*);
        int total = pointers;
        foreach (string s in strings)
        {
            if (s.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"{what} must not hold a NUL character: '{s.Replace("\0", "\\0", StringComparison.Ordinal)}'");
            }
            total += Encoding.UTF8.GetByteCount(s) + 1;
        }
        _block = NativeMemory.AllocZeroed((nuint)total);
        var array = (byte**)_block;
        var text = new Span<byte>((byte*)_block + pointers, total - pointers);
        int at = 0;
        for (int i = 0; i < strings.Count; i++)
        {
            array[i] = (byte*)_block + pointers + at;
            at += Encoding.UTF8.GetBytes(strings[i], text[at..]) + 1; // the zeroed block supplies the NUL
        }
        array[strings.Count] = null;
    }

    public byte** Pointer => (byte**)_block;

    public void Dispose()
    {
        NativeMemory.Free(_block);
        _block = null;
    }
}
