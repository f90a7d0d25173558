using System.Text;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Evaluation.Inception;
using SharpDiffusion.Interop.PyTorch;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Evaluation;

/// <summary>
/// The reader of PyTorch's legacy (pre-1.6, non-zip) torch.save format against Fixtures/legacy_state_dict.pth, written
/// by python3-torch 1.13.1 with <c>_use_new_zipfile_serialization=False</c> from values chosen to be exact in binary
/// (tools/inception_fixture.py, legacy_fixture_state).
/// </summary>
public sealed class PyTorchLegacyFileTests
{
    private static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", "legacy_state_dict.pth");

    /// <summary>Where the header pickles end and the state-dict pickle starts (pickletools.dis on the fixture).</summary>
    private const int HeaderLength = 137;

    [Fact]
    public void ReadStateDict_PythonWrittenFixture_EveryDtypeShapeAndValueMatches()
    {
        Dictionary<string, Tensor> state;
        using (var stream = File.OpenRead(FixturePath))
        {
            state = LegacyTorchFile.ReadStateDict(stream);
        }

        try
        {
            Assert.Equal(
                ["bn.num_batches_tracked", "double.values", "empty.bias", "plain.weight", "shared.columns", "shared.full", "shared.row"],
                state.Keys.Order(StringComparer.Ordinal));

            AssertFloats(state["plain.weight"], [2, 3], [1.5f, -2.25f, 3.0f, 0.125f, 4.0f, -0.5f]);

            // base = arange(12).reshape(3, 4) · 0.5 − 1.25: one storage behind three tensors.
            static float Base(int row, int column) => (0.5f * ((4 * row) + column)) - 1.25f;
            AssertFloats(state["shared.full"], [3, 4], [.. Enumerable.Range(0, 12).Select(i => Base(i / 4, i % 4))]);
            AssertFloats(state["shared.row"], [4], [.. Enumerable.Range(0, 4).Select(c => Base(1, c))]);

            // base.t()[1:3]: storage offset 1, strides (1, 4); element (r, c) is base[c, r + 1].
            AssertFloats(state["shared.columns"], [2, 3], [.. Enumerable.Range(0, 6).Select(i => Base(i % 3, (i / 3) + 1))]);
            Assert.True(state["shared.columns"].is_contiguous());

            var doubles = state["double.values"];
            Assert.Equal(ScalarType.Float64, doubles.dtype);
            Assert.Equal([3L], doubles.shape);
            Assert.Equal([0.1, -2.0, 1e300], doubles.data<double>().ToArray());

            var count = state["bn.num_batches_tracked"];
            Assert.Equal(ScalarType.Int64, count.dtype);
            Assert.Empty(count.shape);
            Assert.Equal(7L, count.item<long>());

            AssertFloats(state["empty.bias"], [0], []);
        }
        finally
        {
            foreach (var tensor in state.Values)
            {
                tensor.Dispose();
            }
        }
    }

    [Fact]
    public void ReadStateDict_TensorsOnOneStorage_AreIndependentCopies()
    {
        Dictionary<string, Tensor> state;
        using (var stream = File.OpenRead(FixturePath))
        {
            state = LegacyTorchFile.ReadStateDict(stream);
        }

        state["shared.full"].zero_();
        Assert.Equal(0.75f, state["shared.row"][0].item<float>());
        foreach (var tensor in state.Values)
        {
            tensor.Dispose();
        }
    }

    [Fact]
    public void InceptionLoad_LegacyFileOfAnotherNetwork_IsReadThenRejectedByKey()
    {
        var error = Assert.Throws<EvaluationException>(() => InceptionFidExtractor.Load(FixturePath, CPU));
        Assert.Contains("is not the pytorch-fid Inception state dict", error.Message);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(1050)]
    public void InceptionLoad_TruncatedLegacyFile_IsOneSentence(int length)
    {
        var truncated = Path.Combine(Path.GetTempPath(), $"truncated-{Guid.NewGuid():N}.pth");
        try
        {
            File.WriteAllBytes(truncated, File.ReadAllBytes(FixturePath)[..length]);
            var error = Assert.Throws<EvaluationException>(() => InceptionFidExtractor.Load(truncated, CPU));
            Assert.Contains("could not be read (the file ends inside", error.Message);
        }
        finally
        {
            File.Delete(truncated);
        }
    }

    [Fact]
    public void InceptionLoad_NeitherZipNorLegacy_SaysSo()
    {
        var text = Path.Combine(Path.GetTempPath(), $"text-{Guid.NewGuid():N}.pth");
        try
        {
            File.WriteAllText(text, "not weights at all");
            var error = Assert.Throws<EvaluationException>(() => InceptionFidExtractor.Load(text, CPU));
            Assert.Contains("is not a file written by torch.save", error.Message);
        }
        finally
        {
            File.Delete(text);
        }
    }

    [Fact]
    public void ReadStateDict_PickleCallingAnyOtherGlobal_IsRefusedNotRun()
    {
        // The real header, then a pickle equivalent to os.system('ls'): PROTO 2, GLOBAL, SHORT_BINUNICODE, TUPLE1, REDUCE, STOP.
        var header = File.ReadAllBytes(FixturePath)[..HeaderLength];
        byte[] payload = [0x80, 0x02, .. Encoding.ASCII.GetBytes("cos\nsystem\n"), 0x8c, 0x02, (byte)'l', (byte)'s', 0x85, (byte)'R', (byte)'.'];
        using var stream = new MemoryStream([.. header, .. payload]);

        var error = Assert.Throws<InvalidDataException>(() => LegacyTorchFile.ReadStateDict(stream));
        Assert.Contains("os.system", error.Message);
    }

    private static void AssertFloats(Tensor actual, long[] shape, float[] expected)
    {
        Assert.Equal(ScalarType.Float32, actual.dtype);
        Assert.Equal(shape, actual.shape);
        Assert.Equal(expected, actual.data<float>().ToArray());
    }
}
