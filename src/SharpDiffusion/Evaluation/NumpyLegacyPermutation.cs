namespace SharpDiffusion.Evaluation;

/// <summary>
/// <c>numpy.random.RandomState(seed).permutation(n)</c>, bit for bit: torch-fidelity shuffles the samples with it before
/// cutting the Inception Score splits, so the same images give the same splits here. RandomState is MT19937
/// (Matsumoto &amp; Nishimura 1998) seeded with <c>init_genrand(seed)</c>; permutation shuffles arange(n) with
/// Fisher–Yates from the last element down, drawing j ∈ [0, i] as a 32-bit output masked to the smallest all-ones
/// bit mask ≥ i and redrawn while above i (numpy's legacy <c>random_interval</c>). Checked against numpy 1.24 in the tests.
/// </summary>
public static class NumpyLegacyPermutation
{
    public static int[] Permutation(uint seed, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var order = Enumerable.Range(0, n).ToArray();
        var generator = new Mt19937(seed);
        for (var i = n - 1; i >= 1; i--)
        {
            var j = (int)generator.Interval((uint)i);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    internal sealed class Mt19937
    {
        private const int StateLength = 624;
        private const int Shift = 397;
        private readonly uint[] _state = new uint[StateLength];
        private int _position;

        public Mt19937(uint seed)
        {
            _state[0] = seed;
            for (var i = 1; i < StateLength; i++)
            {
                _state[i] = unchecked((1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30))) + (uint)i);
            }

            _position = StateLength;
        }

        /// <summary>Uniform in [0, max] by masked rejection, as numpy's legacy bounded integers.</summary>
        public uint Interval(uint max)
        {
            var mask = max;
            mask |= mask >> 1;
            mask |= mask >> 2;
            mask |= mask >> 4;
            mask |= mask >> 8;
            mask |= mask >> 16;
            uint value;
            do
            {
                value = Next() & mask;
            }
            while (value > max);
            return value;
        }

        private uint Next()
        {
            if (_position == StateLength)
            {
                Twist();
            }

            var y = _state[_position++];
            y ^= y >> 11;
            y ^= (y << 7) & 0x9d2c5680u;
            y ^= (y << 15) & 0xefc60000u;
            y ^= y >> 18;
            return y;
        }

        private void Twist()
        {
            for (var i = 0; i < StateLength; i++)
            {
                var y = (_state[i] & 0x80000000u) | (_state[(i + 1) % StateLength] & 0x7fffffffu);
                _state[i] = _state[(i + Shift) % StateLength] ^ (y >> 1) ^ ((y & 1u) * 0x9908b0dfu);
            }

            _position = 0;
        }
    }
}
