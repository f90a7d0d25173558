using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SharpDiffusion.Evaluation;

namespace SharpDiffusion.Tests.Evaluation;

/// <summary>
/// Rewrites the small preprocessing graph of the ResNet-18 package (0.6 MB, input and output fixed at
/// [1, 3, 224, 224]); the 63 MB network itself is covered by <see cref="ExtractorResNet18OnnxTests"/>.
/// </summary>
public sealed class OnnxBatchDimensionTests
{
    private const string Input = "OriginalInput";
    private const string Output = "PreprocessedInput";
    private const int Size = ResNet18OnnxExtractor.InputSize;

    private static string ModelPath => Path.Combine(ResNet18OnnxExtractor.DefaultModelDirectory, ResNet18OnnxExtractor.PreprocessFile);

    [Fact]
    public void MakeSymbolic_PreprocessGraph_RunsABatchOfThreeEqualToThreeSingleRuns()
    {
        var original = File.ReadAllBytes(ModelPath);
        var rewritten = OnnxBatchDimension.MakeSymbolic(original, [Input, Output]);
        var random = new Random(5);
        var pixels = Enumerable.Range(0, 3 * 3 * Size * Size).Select(_ => (float)random.Next(256)).ToArray();
        const int imageLength = 3 * Size * Size;

        using var fixedBatch = new InferenceSession(original);
        using var anyBatch = new InferenceSession(rewritten);
        using var batchOutput = anyBatch.Run([NamedOnnxValue.CreateFromTensor(Input, new DenseTensor<float>(pixels, [3, 3, Size, Size]))]);
        var batched = batchOutput[0].AsTensor<float>().ToArray();

        Assert.Equal([1, 3, Size, Size], fixedBatch.InputMetadata[Input].Dimensions);
        Assert.Equal([-1, 3, Size, Size], anyBatch.InputMetadata[Input].Dimensions);
        Assert.Equal([-1, 3, Size, Size], anyBatch.OutputMetadata[Output].Dimensions);
        Assert.Equal(3 * imageLength, batched.Length);
        for (var i = 0; i < 3; i++)
        {
            var image = new DenseTensor<float>(pixels.AsMemory(i * imageLength, imageLength), [1, 3, Size, Size]);
            using var single = fixedBatch.Run([NamedOnnxValue.CreateFromTensor(Input, image)]);
            Assert.Equal(single[0].AsTensor<float>().ToArray(), batched.AsSpan(i * imageLength, imageLength).ToArray());
        }

        // The graph subtracts a mean image from BGR-ordered pixels, so the batch must not be a copy of its input.
        Assert.NotEqual(pixels[0], batched[0]);
    }

    [Fact]
    public void MakeSymbolic_AlreadySymbolicInput_SaysTheBatchDimensionIsNotFixed()
    {
        var once = OnnxBatchDimension.MakeSymbolic(File.ReadAllBytes(ModelPath), [Input, Output]);

        var error = Assert.Throws<InvalidDataException>(() => OnnxBatchDimension.MakeSymbolic(once, [Input]));

        Assert.Contains($"'{Input}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("fixed batch dimension 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MakeSymbolic_UnknownTensorName_NamesIt()
    {
        var error = Assert.Throws<InvalidDataException>(() => OnnxBatchDimension.MakeSymbolic(File.ReadAllBytes(ModelPath), [Input, "NoSuchTensor"]));

        Assert.Contains("'NoSuchTensor'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain($"'{Input}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MakeSymbolic_MessageWithoutGraph_SaysSo()
    {
        // Field 1 (ir_version) = 3 and nothing else: a valid protobuf message but no ONNX graph.
        var error = Assert.Throws<InvalidDataException>(() => OnnxBatchDimension.MakeSymbolic([0x08, 0x03], [Input]));

        Assert.Contains("0 graphs", error.Message, StringComparison.Ordinal);
    }
}
