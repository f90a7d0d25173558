using System.Text.Json;
using SharpDiffusion.Sampling;

namespace SharpDiffusion.Tests.Interop;

/// <summary>
/// The ddp spacing against the timesteps torch itself computed in denoising-diffusion-pytorch's ddim_sample (fixture
/// ddim-times-T1000.json: for every n in 1 … 999 at T = 1000, where float32 linspace made them differ from exact arithmetic;
/// probe.npz: the times of the recorded DDIM-10 run).
/// </summary>
public sealed class LibraryDdimTimesTests
{
    [Fact]
    public void Ddp_EveryStepCountAtT1000_GivesTheTimestepsTorchGave()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(LibraryFixture.Folder, "ddim-times-T1000.json")));
        var deviations = json.RootElement.GetProperty("deviations");
        Assert.Equal(155, deviations.EnumerateObject().Count());
        for (int n = 1; n < 1000; n++)
        {
            // times[i] = trunc(−1 + (n − i)·T/n) exactly, except where torch's float32 value is listed as [index, torch, exact].
            var expected = Enumerable.Range(0, n).Select(i => (int)Math.Truncate(-1 + (n - i) * 1000.0 / n)).ToArray();
            if (deviations.TryGetProperty(n.ToString(System.Globalization.CultureInfo.InvariantCulture), out var list))
            {
                foreach (var entry in list.EnumerateArray())
                {
                    int index = entry[0].GetInt32();
                    Assert.Equal(expected[index], entry[2].GetInt32());
                    expected[index] = entry[1].GetInt32();
                }
            }
            Assert.Equal(expected, Timesteps.Create(TimestepSpacing.Ddp, n, 1000));
        }
    }

    [Fact]
    public void Ddp_TenOfAThousand_GivesTheTimesOfTheRecordedRun()
    {
        var probe = LibraryFixture.Npz("probe.npz");
        var evaluated = probe["ddim_eval_times"].data<long>().Select(t => (int)t).ToArray();
        Assert.Equal(evaluated, Timesteps.Create(TimestepSpacing.Ddp, 10, 1000));
    }

    [Theory]
    [InlineData(100, 5, new[] { 99, 79, 59, 39, 19 })]
    [InlineData(1000, 3, new[] { 999, 665, 332 })]
    [InlineData(1000, 50, new[] { 999, 979, 959, 939, 919, 899, 879, 859, 839, 819, 799, 779, 759, 739, 719, 699, 679, 659, 639, 619, 599, 579, 559, 539, 519, 499, 479, 459, 439, 419, 399, 379, 359, 339, 319, 299, 279, 259, 239, 219, 199, 179, 159, 139, 119, 99, 79, 59, 39, 19 })]
    public void Ddp_TruncatesWhereTrailingRounds(int T, int n, int[] expected)
    {
        // The library's README and ddim_sample: T = 1000, n = 3 truncates −1 + 2000/3 = 665.67 to 665; trailing rounds to 666.
        Assert.Equal(expected, Timesteps.Create(TimestepSpacing.Ddp, n, T));
        if (T == 1000 && n == 3) Assert.Equal([999, 666, 332], Timesteps.Create(TimestepSpacing.Trailing, n, T));
    }
}
