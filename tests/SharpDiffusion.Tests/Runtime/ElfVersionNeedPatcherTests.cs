using SharpDiffusion.Runtime;

namespace SharpDiffusion.Tests.Runtime;

/// <summary>Uses /bin/ls (present on every Debian system) as a real ELF whose version needs include GLIBC_2.3.4, not weak.</summary>
public class ElfVersionNeedPatcherTests
{
    private static byte[] Ls() => File.ReadAllBytes("/bin/ls");

    [Fact]
    public void MarkWeak_RequiredVersion_SetsOnlyTheFlagBit()
    {
        byte[] original = Ls();
        byte[] patched = (byte[])original.Clone();

        Assert.Equal(ElfVersionNeedPatcher.Outcome.Patched, ElfVersionNeedPatcher.MarkWeak(patched, "GLIBC_2.3.4"));

        int[] changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        Assert.Single(changed);
        Assert.Equal(0x2, patched[changed[0]] ^ original[changed[0]]); // VER_FLG_WEAK added, nothing else
    }

    [Fact]
    public void MarkWeak_IsIdempotent()
    {
        byte[] bytes = Ls();
        ElfVersionNeedPatcher.MarkWeak(bytes, "GLIBC_2.3.4");
        byte[] once = (byte[])bytes.Clone();
        Assert.Equal(ElfVersionNeedPatcher.Outcome.AlreadyWeak, ElfVersionNeedPatcher.MarkWeak(bytes, "GLIBC_2.3.4"));
        Assert.Equal(once, bytes);
    }

    [Fact]
    public void MarkWeak_VersionNotRequired_ChangesNothing()
    {
        byte[] bytes = Ls();
        Assert.Equal(ElfVersionNeedPatcher.Outcome.VersionNotRequired, ElfVersionNeedPatcher.MarkWeak(bytes, "GLIBC_9.99"));
        Assert.Equal(Ls(), bytes);
    }

    [Fact]
    public void MarkWeak_NotAnElf_Throws() =>
        Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MarkWeak(new byte[100], "GLIBC_2.3.4"));
}
