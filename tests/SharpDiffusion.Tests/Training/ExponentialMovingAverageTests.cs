using SharpDiffusion.Training;
using SharpDiffusion.Training.Fused;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Training;

/// <summary>
/// Both EMA implementations (per tensor and fused) on a one-weight model whose value follows a chosen sequence, against the
/// average worked out by hand from θ_ema ← β·θ_ema + (1−β)·θ. With power 1 and γ⁻¹ = 1 the warm-up decay is β = e/(1+e),
/// so the products telescope to simple fractions.
/// </summary>
[Collection(TrainingTestGroup.Name)] // nn.Linear draws its initial weight from libtorch's global generator
public sealed class ExponentialMovingAverageTests
{
    /// <summary>The averaged weight after feeding θ_s = <paramref name="weights"/>[s − 1] at steps s = 1, 2, ….</summary>
    private static double Average(EmaSchedule schedule, double[] weights, bool fused)
    {
        using var source = nn.Linear(1, 1, hasBias: false);
        using var average = nn.Linear(1, 1, hasBias: false);
        using var flat = fused ? new FlatParameters(source, withGradients: false) : null;
        using var fusedEma = fused ? new FusedExponentialMovingAverage(flat!, average, schedule) : null;
        var ema = fused ? null : new ExponentialMovingAverage(source, average, schedule);
        using var applied = tensor(true);
        for (int step = 1; step <= weights.Length; step++)
        {
            using (no_grad()) source.weight!.fill_(weights[step - 1]);
            if (fused) fusedEma!.Update(step, applied);
            else ema!.Update(step);
        }
        return average.weight!.item<float>();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Update_PowerOneEveryStep_IsTheMeanOfTheWeightsSinceStart(bool fused)
    {
        // ema-pytorch's note: "gamma=1 and power=1 implements a simple average". θ_s = s; the mean of 3, 4, …, 10 is 6.5.
        var schedule = new EmaSchedule(0.9999, Every: 1, Start: 3, Warmup: true, InvGamma: 1, Power: 1);
        Assert.Equal(6.5, Average(schedule, [.. Enumerable.Range(1, 10).Select(s => (double)s)], fused), 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Update_ConstantThenStepEveryTwoSteps_CountsStepsNotUpdates(bool fused)
    {
        // θ = 0 up to step 3, 1 from step 4. Start 2, every 2: step 2 takes θ = 0 (e = 0), steps 4, 6, 8 average with
        // e = 2, 4, 6: 1 − (2/3)(4/5)(6/7) = 57/105. Counting updates instead (e = 1, 2, 3) would give 1 − 1/4 = 0.75.
        var schedule = new EmaSchedule(0.9999, Every: 2, Start: 2, Warmup: true, InvGamma: 1, Power: 1);
        Assert.Equal(57.0 / 105, Average(schedule, [0, 0, 0, 1, 1, 1, 1, 1], fused), 6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Update_ConstantThenStepWithCap_UsesTheCapOnceTheWarmupPassesIt(bool fused)
    {
        // Cap 0.5: β = min(0.5, e/(1+e)) = 0.5 for e = 1…4; θ = 0 at step 1 (copied), 1 after: 1 − 0.5⁴.
        var schedule = new EmaSchedule(0.5, Every: 1, Start: 1, Warmup: true, InvGamma: 1, Power: 1);
        Assert.Equal(0.9375, Average(schedule, [0, 1, 1, 1, 1], fused), 6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Update_ConstantThenStepWithoutWarmup_LagsByTheConstantDecay(bool fused)
    {
        // Step 1 copies θ = 0; steps 2, 3, 4 average θ = 1 with the constant β = 0.9 (the behaviour before the warm-up): 1 − 0.9³.
        var schedule = new EmaSchedule(0.9, Every: 1, Start: 2, Warmup: false);
        Assert.Equal(1 - 0.9 * 0.9 * 0.9, Average(schedule, [0, 1, 1, 1], fused), 6);
    }
}
