namespace SharpDiffusion.Sampling;

/// <summary>
/// torch.linspace(start, end, steps) in float32 as torch 1.13's CPU kernel computes it (aten RangeFactoriesKernel.cpp
/// <c>linspace_kernel</c> run by Loops.h <c>vectorized_loop</c>, AVX2): step = (end − start)/(steps − 1) in float32; element i
/// is start + step·i below steps/2 and end − step·(steps − 1 − i) from there on, each as one fused multiply-add; but the
/// first 16·⌊steps/16⌋ elements come in vectors of 8 whose first element is computed so and the others as
/// first + k·step (k = 1 … 7, not fused). Checked against the timesteps torch itself gave for every n ≤ 999 at T = 1000
/// (ddim-times-T1000.json of the library fixture): the 155 n where float32 differs from exact arithmetic all agree.
/// Other torch builds may round differently (the fixture's README).
/// </summary>
internal static class TorchLinspace
{
    private const int Lanes = 8;

    public static float[] Float32(float start, float end, int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "linspace needs at least one point.");
        var values = new float[steps];
        if (steps == 1)
        {
            values[0] = start;
            return values;
        }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        float At(int i) => i < halfway ? MathF.FusedMultiplyAdd(step, i, start) : MathF.FusedMultiplyAdd(-step, steps - i - 1, end);
        int vectorised = steps / (2 * Lanes) * (2 * Lanes); // vectorized_loop takes two vectors per iteration
        for (int index = 0; index < vectorised; index += Lanes)
        {
            float first = At(index);
            for (int k = 0; k < Lanes; k++) values[index + k] = k == 0 ? first : first + k * step;
        }
        for (int index = vectorised; index < steps; index++) values[index] = At(index);
        return values;
    }
}
