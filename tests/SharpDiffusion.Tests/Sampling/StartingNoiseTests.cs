using System.Text;
using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling;

/// <summary>A given x_T (<see cref="GenerationRequest.StartingNoise"/>, <see cref="StartingNoise"/>): used exactly, replayable, refused in one sentence when it cannot be.</summary>
public sealed class StartingNoiseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-noise-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly long[] Shape = [3, 8, 8];

    private static UNet Model()
    {
        random.manual_seed(5);
        var model = new UNet(new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Groups = 4 }, 3, 8);
        model.eval();
        return model;
    }

    private static readonly DdpmFormulation Diffusion = new(new GaussianDiffusion(new DiffusionConfig { Timesteps = 100 }));

    private static GenerationRequest Request(string sampler, int count = 3, int batch = 64, double eta = 0) =>
        new(count, new SamplerChoice(sampler, eta), TestLevels.Of(TimestepSpacing.Leading, 4, Diffusion.Table.Schedule), Seed: 21, BatchSize: batch);

    private static bool BitwiseEqual(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.contiguous().bytes.ToArray().AsSpan().SequenceEqual(b.contiguous().bytes.ToArray());

    [Theory]
    [InlineData("ddim", 0.0)]
    [InlineData("dpm-solver++", 0.0)]
    [InlineData("unipc", 0.0)]
    [InlineData("ddpm", 0.0)]   // stochastic: its later noise still comes from the seed
    [InlineData("ddim", 0.5)]
    public void Generate_GivenTheSeededStartingNoise_EqualsTheSeededRunBitwise(string sampler, double eta)
    {
        using var model = Model();
        var request = Request(sampler, eta: eta);
        using var seeded = ImageGenerator.Generate(model, Diffusion, request, CPU);
        using var xT = StartingNoise.FromSeed(request.Seed, request.Count, model.SampleShape);
        using var replayed = ImageGenerator.Generate(model, Diffusion, request with { StartingNoise = xT }, CPU);
        Assert.True(BitwiseEqual(seeded, replayed), $"{sampler} η = {eta}: the replay differs");
    }

    [Fact]
    public void Generate_SwappedStartingNoise_SwapsTheSamplesAndIgnoresTheSeed()
    {
        // A deterministic sampler maps each x_T to its own sample: giving samples 0 and 1 each other's x_T (and another seed)
        // must give the seeded run's samples 1 and 0, in batches of any size.
        using var model = Model();
        var request = Request("ddim");
        using var seeded = ImageGenerator.Generate(model, Diffusion, request, CPU);
        using var xT = StartingNoise.FromSeed(request.Seed, request.Count, model.SampleShape);
        using var swapped = xT.index_select(0, tensor(new long[] { 1, 0, 2 }));
        using var result = ImageGenerator.Generate(model, Diffusion, request with { Seed = 999, BatchSize = 2, StartingNoise = swapped }, CPU);

        Assert.True(result[0].allclose(seeded[1], rtol: 0, atol: 1e-5));
        Assert.True(result[1].allclose(seeded[0], rtol: 0, atol: 1e-5));
        Assert.True(result[2].allclose(seeded[2], rtol: 0, atol: 1e-5));
        Assert.False(seeded[0].allclose(seeded[1], rtol: 0, atol: 1e-3)); // the two x_T do give different samples
    }

    [Fact]
    public void Generate_Float64StartingNoise_EqualsItsFloat32Cast()
    {
        using var model = Model();
        var request = Request("dpm-solver++", count: 2);
        var generator = new Generator(3);
        using var float64 = randn([2, 3, 8, 8], ScalarType.Float64, generator: generator); // with digits float32 cannot hold
        using var float32 = float64.to(ScalarType.Float32);
        using var a = ImageGenerator.Generate(model, Diffusion, request with { StartingNoise = float64 }, CPU);
        using var b = ImageGenerator.Generate(model, Diffusion, request with { StartingNoise = float32 }, CPU);
        Assert.True(BitwiseEqual(a, b));
    }

    [Fact]
    public void Generate_StartingNoiseForAnotherCount_IsRefused()
    {
        using var model = Model();
        using var xT = StartingNoise.FromSeed(0, 2, Shape);
        var e = Assert.Throws<ArgumentException>(() => ImageGenerator.Generate(model, Diffusion, Request("ddim", count: 3) with { StartingNoise = xT }, CPU));
        Assert.Contains("for 3, not 2", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Wrong channels, wrong size, wrong rank, no samples.</summary>
    public static TheoryData<long[]> WrongShapes => new() { new long[] { 2, 1, 8, 8 }, new long[] { 2, 3, 16, 16 }, new long[] { 3, 8, 8 }, new long[] { 0, 3, 8, 8 } };

    [Theory]
    [MemberData(nameof(WrongShapes))]
    public void Check_WrongShape_NamesTheExpectedShape(long[] shape)
    {
        using var xT = zeros(shape);
        var e = Assert.Throws<ArgumentException>(() => StartingNoise.Check(xT, Shape, "x.npy"));
        Assert.Contains("[N, 3, 8, 8]", e.Message, StringComparison.Ordinal);
        Assert.Contains($"[{string.Join(", ", shape)}]", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN, 1)]
    [InlineData(float.PositiveInfinity, 0)]
    [InlineData(float.NegativeInfinity, 2)]
    public void Check_NotFinite_IsRefusedNamingTheSample(float value, int sample)
    {
        using var xT = zeros([3, 3, 8, 8]);
        xT[sample, 1, 2, 3] = tensor(value);
        var e = Assert.Throws<ArgumentException>(() => StartingNoise.Check(xT, Shape, "x.npy"));
        Assert.Contains($"sample {sample}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_IntegerOrComplex_IsRefused()
    {
        using var ints = zeros([1, 3, 8, 8], ScalarType.Int64);
        using var complex = zeros([1, 3, 8, 8], ScalarType.ComplexFloat32);
        Assert.Contains("float32 or float64", Assert.Throws<ArgumentException>(() => StartingNoise.Check(ints, Shape)).Message, StringComparison.Ordinal);
        Assert.Contains("float32 or float64", Assert.Throws<ArgumentException>(() => StartingNoise.Check(complex, Shape)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Float64File_GivesItsFloat32CastAndWriteReadsBack()
    {
        string path = Path.Combine(_dir, "x64.npy");
        using var float64 = tensor(new[] { 0.1, -1e-30, 3.0000000001, 1e38 }, ScalarType.Float64).reshape(1, 1, 2, 2);
        NpyFile.Write(path, float64);
        using var read = StartingNoise.Read(path, [1, 2, 2]);
        using var cast = float64.to(ScalarType.Float32);
        Assert.True(BitwiseEqual(read, cast));

        string copy = Path.Combine(_dir, "x32.npy");
        StartingNoise.Write(copy, read);
        using var again = NpyFile.Read(copy);
        Assert.True(BitwiseEqual(again, cast));
    }

    [Fact]
    public void Read_BadFiles_AreOneSentenceNamingTheFile()
    {
        string text = Path.Combine(_dir, "noise.npy");
        File.WriteAllText(text, "not numpy");
        Assert.Contains("not a NumPy .npy file", Assert.Throws<DataException>(() => StartingNoise.Read(text, Shape)).Message, StringComparison.Ordinal);

        string cut = Path.Combine(_dir, "cut.npy");
        File.WriteAllBytes(cut, [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1]);
        Assert.Contains("truncated", Assert.Throws<DataException>(() => StartingNoise.Read(cut, Shape)).Message, StringComparison.Ordinal);

        // An int64 array as numpy.save writes it: the header, then the data.
        string ints = Path.Combine(_dir, "ints.npy");
        using (var stream = File.Create(ints))
        {
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            string header = NpyFile.Header("<i8", [1, 3, 8, 8]);
            stream.Write(BitConverter.GetBytes((ushort)header.Length));
            stream.Write(Encoding.ASCII.GetBytes(header));
            stream.Write(new byte[8 * 3 * 8 * 8]);
        }
        Assert.Contains("'<i8'", Assert.Throws<DataException>(() => StartingNoise.Read(ints, Shape)).Message, StringComparison.Ordinal);

        string wrong = Path.Combine(_dir, "wrong.npy");
        using (var twoChannels = zeros([2, 1, 8, 8])) NpyFile.Write(wrong, twoChannels);
        var e = Assert.Throws<DataException>(() => StartingNoise.Read(wrong, Shape));
        Assert.Contains(wrong, e.Message, StringComparison.Ordinal);
        Assert.Contains("[N, 3, 8, 8]", e.Message, StringComparison.Ordinal);
    }
}
