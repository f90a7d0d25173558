using SharpDiffusion.Config;
using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Training;

/// <summary>
/// The EMA decay against ema-pytorch's closed form β = min(cap, 1 − (1 + e/γ⁻¹)^−p), e = step − start, at steps where it is a
/// simple fraction: 1 + e a perfect cube for p = 2/3, a power of 16 for p = 3/4.
/// </summary>
public sealed class EmaScheduleTests
{
    private static EmaSchedule Warmup(double power, double cap = 0.9999, double invGamma = 1) =>
        new(cap, Every: 1, Start: 100, Warmup: true, InvGamma: invGamma, Power: power);

    [Theory]
    [InlineData(107, 0.75)]        // 1 − 8^(−2/3) = 1 − 1/4
    [InlineData(126, 8.0 / 9)]     // 1 − 27^(−2/3)
    [InlineData(1099, 0.99)]       // 1 − 1000^(−2/3)
    public void DecayAt_PowerTwoThirds_MatchesClosedForm(int step, double expected) =>
        Assert.Equal(expected, Warmup(2.0 / 3).DecayAt(step), 12);

    [Theory]
    [InlineData(115, 0.875)]       // 1 − 16^(−3/4) = 1 − 1/8
    [InlineData(10_099, 0.999)]    // 1 − 10000^(−3/4): ema-pytorch's note, "0.999 at 10K steps" for p = 3/4
    public void DecayAt_PowerThreeQuarters_MatchesClosedForm(int step, double expected) =>
        Assert.Equal(expected, Warmup(0.75).DecayAt(step), 12);

    [Theory]
    [InlineData(102, 0.5)]         // e/γ⁻¹ = 1: 1 − 2^(−1)
    [InlineData(106, 0.75)]        // e/γ⁻¹ = 3: 1 − 4^(−1)
    public void DecayAt_InvGammaTwo_HalvesTheStepCount(int step, double expected) =>
        Assert.Equal(expected, Warmup(power: 1, invGamma: 2).DecayAt(step), 12);

    [Fact]
    public void DecayAt_Start_IsZeroSoTheAverageTakesTheWeights() => Assert.Equal(0, Warmup(2.0 / 3).DecayAt(100));

    [Fact]
    public void DecayAt_WarmupPastTheCap_ReturnsTheCap()
    {
        var schedule = Warmup(0.75, cap: 0.9);
        Assert.Equal(0.875, schedule.DecayAt(115), 12); // below the cap: the warm-up value
        Assert.Equal(0.9, schedule.DecayAt(10_099));     // 0.999 uncapped
        Assert.Equal(0.9, schedule.DecayAt(1_000_000));
    }

    [Fact]
    public void DecayAt_WarmupOff_IsTheConstantDecayFromTheStart()
    {
        var schedule = new EmaSchedule(0.999, Every: 1, Start: 100, Warmup: false);
        Assert.All(new[] { 100, 101, 5_000 }, step => Assert.Equal(0.999, schedule.DecayAt(step)));
    }

    [Fact]
    public void UpdatesAndCopies_StartFiveEveryThree_CopyEveryStepThenAverageOnMultiplesOfThree()
    {
        var schedule = new EmaSchedule(0.9, Every: 3, Start: 5);
        Assert.Equal([1, 2, 3, 4, 6, 9, 12], Enumerable.Range(1, 12).Where(schedule.Updates));
        Assert.Equal([1, 2, 3, 4], Enumerable.Range(1, 12).Where(schedule.Copies));
    }

    [Fact]
    public void From_ConfigWithoutWarmupKeys_GetsEmaPytorchsWarmup()
    {
        // A config written before the keys existed.
        var training = ConfigLoader.LoadJson("""{ "training": { "ema_decay": 0.999, "ema_every": 1, "ema_start": 100 } }""", "old.json").Training;
        var schedule = EmaSchedule.From(training, start: 100);
        Assert.Equal(new EmaSchedule(0.999, Every: 1, Start: 100, Warmup: true, InvGamma: 1, Power: 2.0 / 3), schedule);
        Assert.Equal(0.75, schedule.DecayAt(107), 12);
    }
}
