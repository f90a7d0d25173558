using System.Globalization;
using System.Security.Cryptography;
using SharpDiffusion.Api;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Runtime;
using SharpDiffusion.Sampling;
using SkiaSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Cli;

/// <summary>A 2-step tiny run (8×8 RGB, unconditional), trained once for <see cref="CliNoiseIoTests"/>.</summary>
public sealed class TinyRunFixture : IDisposable
{
    public TinyRunFixture()
    {
        Run = Path.Combine(Dir, "run");
        var result = CliRunner.Run(["train", "--out", Run, "--steps", "2", .. CliRunner.TinyRun]);
        if (result.ExitCode != 0) throw new InvalidOperationException(result.Stderr + result.Stdout);
    }

    public string Dir { get; } = Directory.CreateTempSubdirectory("sd-noise-run-").FullName;

    public string Run { get; }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

/// <summary>
/// <c>ddpm sample --noise/--save-noise/--out-array</c> (issue 25): a run replayed from the x_T it saved gives byte-identical PNGs and
/// a bitwise-equal array; the array is the PNG before quantisation and the library's tensor; bad input is one sentence, exit 2,
/// nothing written.
/// </summary>
public sealed class CliNoiseIoTests(TinyRunFixture fixture) : IClassFixture<TinyRunFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-noise-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static string S(long value) => value.ToString(CultureInfo.InvariantCulture);

    private CliRunner.Result Sample(params string[] args) => CliRunner.Run(["sample", "--run", fixture.Run, "--device", "cpu", .. args]);

    private static bool BitwiseEqual(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.contiguous().bytes.ToArray().AsSpan().SequenceEqual(b.contiguous().bytes.ToArray());

    private static void AssertOk(CliRunner.Result result) => Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Theory]
    [InlineData("ddim", "3", 123L)]
    [InlineData("dpm-solver++", "3", 123L)]
    [InlineData("unipc", "3", 123L)]
    [InlineData("ddpm", "4", 7L)] // stochastic: replayed with its own seed, which still draws its later noise
    public void Sample_ReplayedFromItsSavedNoise_GivesByteIdenticalPngsAndArray(string sampler, string steps, long replaySeed)
    {
        string[] common = ["--sampler", sampler, "--steps", steps];
        AssertOk(Sample([.. common, "--n", "5", "--seed", "7", "--save-noise", P("x.npy"), "--out-dir", P("a"), "--out-array", P("a.npy")]));
        // A deterministic sampler is replayed with another seed: only the file can make the images equal.
        AssertOk(Sample([.. common, "--seed", S(replaySeed), "--noise", P("x.npy"), "--save-noise", P("y.npy"), "--out-dir", P("b"), "--out-array", P("b.npy")]));

        var first = Directory.GetFiles(P("a")).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(5, first.Length);
        foreach (string name in first)
        {
            string replayName = name.Replace("seed7-", $"seed{replaySeed}-", StringComparison.Ordinal);
            Assert.True(File.ReadAllBytes(Path.Combine(P("a"), name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(P("b"), replayName))), $"{sampler}: {name} differs");
        }
        Assert.Equal(File.ReadAllBytes(P("a.npy")), File.ReadAllBytes(P("b.npy")));
        Assert.Equal(File.ReadAllBytes(P("x.npy")), File.ReadAllBytes(P("y.npy"))); // --save-noise writes the given x_T too

        using var xT = NpyFile.Read(P("x.npy"));
        using var seeded = StartingNoise.FromSeed(7, 5, [3, 8, 8]);
        Assert.True(BitwiseEqual(xT, seeded), "--save-noise did not write the seeded x_T");

        // The array is the PNG before quantisation: |PNG/255·2 − 1 − array| ≤ 1/255.
        using var array = NpyFile.Read(P("a.npy"));
        Assert.Equal([5L, 3, 8, 8], array.shape);
        for (int i = 0; i < 5; i++)
        {
            using var bitmap = SKBitmap.Decode(Path.Combine(P("a"), first[i]));
            var values = array[i].data<float>().ToArray();
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                {
                    var pixel = bitmap.GetPixel(x, y);
                    byte[] rgb = [pixel.Red, pixel.Green, pixel.Blue];
                    for (int c = 0; c < 3; c++)
                    {
                        double error = Math.Abs(rgb[c] / 255.0 * 2 - 1 - values[(c * 64) + (y * 8) + x]);
                        Assert.True(error <= 1 / 255.0 + 1e-7, $"image {i} ({x}, {y}, {c}): PNG {rgb[c]} vs array {values[(c * 64) + (y * 8) + x]}");
                    }
                }
        }
    }

    [Fact]
    public void Sample_DdimArray_EqualsTheLibraryTensorBitwise_AndAloneWritesNoPng()
    {
        string samples = Path.Combine(fixture.Run, "samples");
        var before = Snapshot(samples);
        AssertOk(Sample("--sampler", "ddim", "--steps", "3", "--eta", "0", "--n", "4", "--seed", "5", "--out-array", P("cli.npy")));
        Assert.Equal(before, Snapshot(samples)); // --out-array alone: no grid

        using var run = DiffusionRun.Load(fixture.Run, DeviceKind.Cpu);
        using var library = run.GenerateArray(4, sampler: "ddim", steps: 3, seed: 5);
        using var cli = NpyFile.Read(P("cli.npy"));
        Assert.Equal(ScalarType.Float32, cli.dtype);
        Assert.True(BitwiseEqual(cli, library), $"largest difference {cli.sub(library).abs().max().item<float>()}");
    }

    [Fact]
    public void Sample_Float64Noise_GivesTheArrayOfItsFloat32Cast()
    {
        using var float64 = randn([3, 3, 8, 8], ScalarType.Float64, generator: new Generator(17));
        using var float32 = float64.to(ScalarType.Float32);
        NpyFile.Write(P("x64.npy"), float64);
        NpyFile.Write(P("x32.npy"), float32);
        AssertOk(Sample("--sampler", "dpm-solver++", "--steps", "3", "--noise", P("x64.npy"), "--out-array", P("a64.npy")));
        AssertOk(Sample("--sampler", "dpm-solver++", "--steps", "3", "--noise", P("x32.npy"), "--out-array", P("a32.npy")));
        Assert.Equal(File.ReadAllBytes(P("a32.npy")), File.ReadAllBytes(P("a64.npy")));
    }

    [Fact]
    public void Cascade_SampleNoiseIsTheBaseStages_AndUpscaleTakesItsOwnStagesNoise()
    {
        string sr = P("sr");
        AssertOk(CliRunner.Run(["train", "--out", sr, "--steps", "2", .. CliRunner.TinyRun, "--set", "data.image_size=16",
            "--set", """model.super_resolution={"input_size": 8, "augmentation_level": 0.3}"""]));

        // sample --upscale: --save-noise holds the base stage's x_T (8×8), --out-array the upscaled samples (16×16), and the
        // replay from that file gives the same array (the upscale stage draws from the same --seed both times).
        string[] cascade = ["--n", "2", "--steps", "2", "--seed", "3", "--upscale", sr];
        AssertOk(Sample([.. cascade, "--save-noise", P("base.npy"), "--out-array", P("c1.npy")]));
        AssertOk(Sample([.. cascade, "--noise", P("base.npy"), "--out-array", P("c2.npy")]));
        using (var baseNoise = NpyFile.Read(P("base.npy"))) Assert.Equal([2L, 3, 8, 8], baseNoise.shape);
        using (var c1 = NpyFile.Read(P("c1.npy"))) Assert.Equal([2L, 3, 16, 16], c1.shape);
        Assert.Equal(File.ReadAllBytes(P("c1.npy")), File.ReadAllBytes(P("c2.npy")));

        // ddpm upscale: its own stage's x_T at the output size, one per input image in file-name order.
        string images = Directory.CreateDirectory(P("low")).FullName;
        using (var low = rand([2, 3, 8, 8], generator: new Generator(4)))
        {
            for (int i = 0; i < 2; i++)
            {
                using var image = low[i];
                SharpDiffusion.Data.ImageCodec.SavePng(image, Path.Combine(images, $"img{i}.png"));
            }
        }
        string[] upscale = ["upscale", "--run", sr, "--images", images, "--steps", "2", "--seed", "4", "--device", "cpu"];
        AssertOk(CliRunner.Run([.. upscale, "--out-dir", P("u1"), "--save-noise", P("up.npy"), "--out-array", P("u1.npy")]));
        AssertOk(CliRunner.Run([.. upscale, "--out-dir", P("u2"), "--noise", P("up.npy"), "--out-array", P("u2.npy")]));
        using (var up = NpyFile.Read(P("up.npy")))
        {
            Assert.Equal([2L, 3, 16, 16], up.shape);
            using var negated = up.neg();
            NpyFile.Write(P("negated.npy"), negated);
            using var three = cat([up, up[..1]], 0);
            NpyFile.Write(P("three.npy"), three);
        }
        Assert.Equal(File.ReadAllBytes(P("u1.npy")), File.ReadAllBytes(P("u2.npy")));
        foreach (string name in new[] { "img0.png", "img1.png" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(P("u1"), name)), File.ReadAllBytes(Path.Combine(P("u2"), name)));

        AssertOk(CliRunner.Run([.. upscale, "--out-dir", P("u3"), "--noise", P("negated.npy"), "--out-array", P("u3.npy")]));
        Assert.NotEqual(File.ReadAllBytes(P("u1.npy")), File.ReadAllBytes(P("u3.npy"))); // the file is what the stage starts from
        AssertOneLineError(CliRunner.Run([.. upscale, "--out-dir", P("u4"), "--noise", P("three.npy")]), "holds x_T for 3 samples");
        Assert.False(Directory.Exists(P("u4")));
    }

    private static void AssertOneLineError(CliRunner.Result result, string mustContain) => CliRunner.AssertOneLineError(result, mustContain);

    [Fact]
    public void Sample_BadNoiseOrOutputs_OneSentenceExit2AndNothingWritten()
    {
        string grid = P("grid.png"), array = P("keep.npy"), saved = P("saved.npy");
        File.WriteAllText(grid, "an older grid");
        File.WriteAllText(array, "an older array");
        File.WriteAllText(saved, "an older x_T");
        string[] outputs = ["--steps", "2", "--out", grid, "--out-array", array, "--save-noise", saved];

        File.WriteAllText(P("text.npy"), "not numpy at all");
        using (var twoChannels = zeros([2, 1, 8, 8])) NpyFile.Write(P("channels.npy"), twoChannels);
        using (var big = zeros([2, 3, 16, 16])) NpyFile.Write(P("size.npy"), big);
        using (var flat = zeros([3, 8, 8])) NpyFile.Write(P("rank.npy"), flat);
        using (var nan = zeros([2, 3, 8, 8]))
        {
            nan[1, 0, 0, 0] = tensor(float.NaN);
            NpyFile.Write(P("nan.npy"), nan);
        }
        using (var inf = zeros([2, 3, 8, 8], ScalarType.Float64))
        {
            inf[0, 2, 7, 7] = tensor(double.PositiveInfinity);
            NpyFile.Write(P("inf.npy"), inf);
        }
        using (var good = zeros([2, 3, 8, 8])) NpyFile.Write(P("good.npy"), good);
        WriteRawNpy(P("int.npy"), "<i4", 4);
        WriteRawNpy(P("complex.npy"), "<c8", 8);
        var inputs = Snapshot(_dir);

        AssertOneLineError(Sample([.. outputs, "--noise", P("text.npy")]), "not a NumPy .npy file");
        AssertOneLineError(Sample([.. outputs, "--noise", P("channels.npy")]), "[N, 3, 8, 8]");
        AssertOneLineError(Sample([.. outputs, "--noise", P("size.npy")]), "[N, 3, 8, 8]");
        AssertOneLineError(Sample([.. outputs, "--noise", P("rank.npy")]), "[N, 3, 8, 8]");
        AssertOneLineError(Sample([.. outputs, "--noise", P("int.npy")]), "'<i4'");
        AssertOneLineError(Sample([.. outputs, "--noise", P("complex.npy")]), "'<c8'");
        AssertOneLineError(Sample([.. outputs, "--noise", P("nan.npy")]), "NaN or infinite values (the first in sample 1)");
        AssertOneLineError(Sample([.. outputs, "--noise", P("inf.npy")]), "NaN or infinite values (the first in sample 0)");
        AssertOneLineError(Sample([.. outputs, "--noise", P("good.npy"), "--n", "3"]), "--n 3 disagrees with --noise");
        AssertOneLineError(Sample("--steps", "2", "--out", grid, "--save-noise", P("missing/x.npy")), "--save-noise");
        AssertOneLineError(Sample("--steps", "2", "--out", grid, "--out-array", P("missing/a.npy")), "--out-array");

        Assert.Equal(inputs, Snapshot(_dir)); // the older outputs are as they were, and nothing else was written
        Assert.False(Directory.Exists(P("missing")));
    }

    /// <summary>A [1, 3, 8, 8] array of a dtype NpyFile does not write, as numpy.save writes it (header, then zero data).</summary>
    private static void WriteRawNpy(string path, string descr, int itemBytes)
    {
        using var stream = File.Create(path);
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        string header = NpyFile.Header(descr, [1, 3, 8, 8]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(System.Text.Encoding.ASCII.GetBytes(header));
        stream.Write(new byte[itemBytes * 3 * 8 * 8]);
    }
}
