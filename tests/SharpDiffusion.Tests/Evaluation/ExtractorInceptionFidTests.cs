using System.Text.Json;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Evaluation.Inception;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Evaluation;

/// <summary>
/// The TorchSharp port of pytorch-fid's InceptionV3 against PyTorch: Fixtures/ holds the outputs of the reference
/// architecture built by tools/inception_fixture.py (python3-torch 1.13.1 / torchvision 0.14.1, Debian 12) with
/// formula weights that <see cref="FormulaWeights"/> regenerates here.
/// </summary>
public sealed class ExtractorInceptionFidTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", name);

    [Fact]
    public void StateDict_MatchesPytorchFidKeysAndShapes()
    {
        using var network = new FidInceptionV3();
        using var json = JsonDocument.Parse(File.ReadAllText(Fixture("inception_state_dict_keys.json")));
        var expected = json.RootElement.GetProperty("keys").EnumerateArray()
            .Select(e => (Key: e[0].GetString()!, Shape: e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray()))
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .ToList();

        // TorchSharp lists parameters before buffers, PyTorch interleaves them per module: compare by key.
        var actual = network.state_dict().Select(kv => (kv.Key, Shape: kv.Value.shape)).OrderBy(a => a.Key, StringComparer.Ordinal).ToList();

        Assert.Equal(expected.Select(e => e.Key), actual.Select(a => a.Key));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Shape.SequenceEqual(actual[i].Shape), $"{expected[i].Key}: [{string.Join(",", expected[i].Shape)}] vs [{string.Join(",", actual[i].Shape)}]");
        }
    }

    [Fact]
    public void Extract_FormulaWeightsLoadedFromPth_MatchesPyTorchPool3AndLogits()
    {
        var path = Path.Combine(Path.GetTempPath(), $"formula-inception-{Guid.NewGuid():N}.pth");
        try
        {
            float[] fcBias;
            using (var network = new FidInceptionV3())
            {
                FormulaWeights.Fill(network);
                network.save_py(path);
                fcBias = network.state_dict()["fc.bias"].data<float>().ToArray();
            }

            using var input = NpyFile.Read(Fixture("inception_input.npy"));
            using var images = input.round().to(uint8);
            using var expectedPool3 = NpyFile.Read(Fixture("inception_pool3.npy"));
            using var expectedLogits = NpyFile.Read(Fixture("inception_logits.npy"));
            using var bias = tensor(fcBias);
            using var expectedUnbiased = expectedLogits - bias;

            foreach (var (kind, expected) in new[] { (InceptionLogits.Biased, expectedLogits), (InceptionLogits.Unbiased, expectedUnbiased) })
            {
                using var extractor = InceptionFidExtractor.Load(path, CPU, kind);
                var (features, logits) = extractor.Extract(images);

                Assert.Equal("inception", extractor.Name);
                Assert.True(extractor.HasLogits);
                Assert.Equal(InceptionLogitsKinds.Name(kind), extractor.LogitsKind);
                Assert.Equal([2L, 2048L], features.shape);
                Assert.Equal([2L, 1008L], logits!.shape);
                AssertClose(expectedPool3, features, "pool3");
                // PyTorch's fc includes the bias; without it the logits are PyTorch's minus the bias (the fixture bias is 0.1·v, |v| < 1).
                AssertClose(expected, logits, $"{kind} logits");
                features.Dispose();
                logits.Dispose();
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_MissingFile_SaysWhereTheWeightsComeFrom()
    {
        var error = Assert.Throws<EvaluationException>(() => InceptionFidExtractor.Load("/nonexistent/pt_inception.pth", CPU));
        Assert.Contains("pytorch-fid GitHub release", error.Message);
    }

    [Fact]
    public void Load_WrongStateDictOrGarbage_IsAClearError()
    {
        var wrong = Path.Combine(Path.GetTempPath(), $"wrong-{Guid.NewGuid():N}.pth");
        var garbage = Path.Combine(Path.GetTempPath(), $"garbage-{Guid.NewGuid():N}.pth");
        try
        {
            using (var linear = nn.Linear(2, 2))
            {
                linear.save_py(wrong);
            }

            File.WriteAllBytes(garbage, [0x50, 0x4B, 0x03, 0x04, 1, 2, 3]);

            var wrongError = Assert.Throws<EvaluationException>(() => InceptionFidExtractor.Load(wrong, CPU));
            Assert.Contains("is not the pytorch-fid Inception state dict", wrongError.Message);
            var garbageError = Assert.Throws<EvaluationException>(() => InceptionFidExtractor.Load(garbage, CPU));
            Assert.Contains("could not be read", garbageError.Message);
        }
        finally
        {
            File.Delete(wrong);
            File.Delete(garbage);
        }
    }

    /// <summary>float32 on two builds of libtorch (1.13 vs 2.10, different conv kernels): max error ≤ 1e-4 of the largest value.</summary>
    internal static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var scale = expected.abs().max().item<float>();
        var error = (expected - actual).abs().max().item<float>();
        Assert.True(error <= 1e-4f * scale, $"{what}: max |error| {error} vs max |value| {scale}");
    }
}
