using SharpDiffusion.Api;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Runtime;
using SharpDiffusion.Tests.Cli;
using SharpDiffusion.Tests.Training;

namespace SharpDiffusion.Tests.Latent;

/// <summary>A latent run's x_T is a latent ([4, 4, 4] here) and its array decoded pixels ([3, 16, 16]); a replay from that x_T is bitwise.</summary>
[Collection(TrainingTestGroup.Name)]
public sealed class LatentStartingNoiseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-latent-noise-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LatentRun_NoiseIsALatent_ArrayIsDecodedPixels_ReplayIsBitwise()
    {
        var ae = LatentRuns.Train(LatentRuns.Autoencoder(steps: 2), Path.Combine(_dir, "ae"));
        var latent = LatentRuns.Train(LatentRuns.Latent(ae.Root, steps: 2), Path.Combine(_dir, "latent"));

        using (var run = DiffusionRun.Load(latent.Root, DeviceKind.Cpu))
        {
            Assert.Equal([4L, 4, 4], run.SampleShape);
            using var xT = run.StartingNoiseFor(2, seed: 9);
            using var seeded = run.GenerateArray(2, sampler: "ddim", steps: 3, seed: 9);
            using var replayed = run.GenerateArray(2, sampler: "ddim", steps: 3, seed: 1, startingNoise: xT);
            Assert.Equal([2L, 3, 16, 16], seeded.shape);
            Assert.True(seeded.contiguous().bytes.ToArray().AsSpan().SequenceEqual(replayed.contiguous().bytes.ToArray()));
        }

        string noise = Path.Combine(_dir, "x.npy"), array = Path.Combine(_dir, "a.npy");
        var result = CliRunner.Run("sample", "--run", latent.Root, "--device", "cpu", "--n", "2", "--steps", "2", "--save-noise", noise, "--out-array", array);
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        using var savedNoise = NpyFile.Read(noise);
        using var savedArray = NpyFile.Read(array);
        Assert.Equal([2L, 4, 4, 4], savedNoise.shape);
        Assert.Equal([2L, 3, 16, 16], savedArray.shape);
        Assert.True(savedArray.abs().max().item<float>() <= 1f);
    }
}
