namespace SharpDiffusion.Data;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014): a tiny, fully specified generator, so synthetic images depend only on
/// (seed, index) and never on a runtime's Random implementation.
/// </summary>
internal struct SplitMix64(ulong state)
{
    private ulong _state = state;

    /// <summary>A stream for item <paramref name="index"/> of a set drawn with <paramref name="seed"/>, independent of the other items.</summary>
    public static SplitMix64 ForItem(long seed, long index)
    {
        var mixer = new SplitMix64(unchecked((ulong)seed));
        var seedState = mixer.NextUInt64();
        return new SplitMix64(seedState ^ unchecked((ulong)index * 0xD1B54A32D192ED03UL));
    }

    public ulong NextUInt64()
    {
        unchecked
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [low, high).</summary>
    public double Uniform(double low, double high) => low + ((high - low) * NextDouble());
}
