using System.Buffers.Binary;
using System.Text;

namespace SharpDiffusion.Runtime;

/// <summary>
/// Marks one required symbol version of an ELF64 little-endian shared library as weak
/// (<c>vna_flags |= VER_FLG_WEAK</c> in <c>.gnu.version_r</c>), so that the dynamic loader only warns
/// when the system library lacks that version instead of refusing to load.
/// </summary>
public static class ElfVersionNeedPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>What <see cref="MarkWeak"/> found.</summary>
    public enum Outcome { Patched, AlreadyWeak, VersionNotRequired }

    /// <summary>Sets the weak flag on every <c>Vernaux</c> entry named <paramref name="versionName"/>; pure function of the bytes.</summary>
    public static Outcome MarkWeak(Span<byte> elf, string versionName)
    {
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF files are supported");

        ulong sectionTable = BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        int sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        byte[] wanted = Encoding.ASCII.GetBytes(versionName);
        var outcome = Outcome.VersionNotRequired;

        for (int s = 0; s < sectionCount; s++)
        {
            var header = elf[checked((int)sectionTable + s * sectionSize)..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != ShtGnuVerneed) continue;
            int offset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]));
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            var strtabHeader = elf[checked((int)sectionTable + link * sectionSize)..];
            int strtab = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(strtabHeader[0x18..]));

            // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
            for (int need = offset; ;)
            {
                int count = BinaryPrimitives.ReadUInt16LittleEndian(elf[(need + 2)..]);
                int aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(need + 8)..]);
                // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
                for (int a = 0; a < count; a++)
                {
                    int name = strtab + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(aux + 8)..]);
                    if (IsCString(elf[name..], wanted))
                    {
                        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf[(aux + 4)..]);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            BinaryPrimitives.WriteUInt16LittleEndian(elf[(aux + 4)..], (ushort)(flags | VerFlgWeak));
                            outcome = Outcome.Patched;
                        }
                        else if (outcome == Outcome.VersionNotRequired)
                        {
                            outcome = Outcome.AlreadyWeak;
                        }
                    }
                    int nextAux = (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(aux + 12)..]);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                int next = (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(need + 12)..]);
                if (next == 0) break;
                need += next;
            }
        }
        return outcome;
    }

    private static bool IsCString(ReadOnlySpan<byte> text, ReadOnlySpan<byte> wanted) =>
        text.Length > wanted.Length && text[..wanted.Length].SequenceEqual(wanted) && text[wanted.Length] == 0;
}
