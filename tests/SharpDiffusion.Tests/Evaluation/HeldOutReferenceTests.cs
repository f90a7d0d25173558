using SharpDiffusion.Config;
using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

public class HeldOutReferenceTests
{
    private static readonly torch.Tensor NoPixels = torch.zeros([2, 1, 2, 2], torch.uint8);

    [Fact]
    public void EvenlySpaced_PicksFloorOfITimesTotalOverCount()
    {
        Assert.Equal([0L, 2, 5, 7], PrecisionRecall.EvenlySpaced(10, 4));
        Assert.Equal([0L, 1, 2], PrecisionRecall.EvenlySpaced(3, 3));
    }

    [Fact]
    public void ComputeEqualSizes_LargerRealSet_IsCutToTheGeneratedSize()
    {
        // k = 1. Real {0,…,9} is cut to {0, 2, 4, 6, 8} (radius 2 each). Generated {−1.5, 0.5, 2.5, 50, 51} (radii 2, 2, 2, 1, 1):
        // −1.5, 0.5, 2.5 lie in a real ball → precision 3/5; real 0, 2, 4 lie in a generated ball, 6 and 8 do not → recall 3/5.
        // Swapping the roles cuts the generated side instead and gives the same pair here.
        using var real = torch.arange(10, dtype: torch.float64).unsqueeze(1);
        using var generated = torch.tensor(new double[] { -1.5, 0.5, 2.5, 50, 51 }, [5, 1]);

        var equal = PrecisionRecall.ComputeEqualSizes(real, generated, k: 1);
        var swapped = PrecisionRecall.ComputeEqualSizes(generated, real, k: 1);
        var unequal = PrecisionRecall.Compute(real, generated, k: 1);

        Assert.Equal((0.6, 0.6, 5), (equal.Precision, equal.Recall, equal.PerSide));
        Assert.Equal((0.6, 0.6, 5), (swapped.Precision, swapped.Recall, swapped.PerSide));
        // All ten real points (radius 1): −1.5 is 1.5 from 0, outside → precision 2/5; real 0…4 are covered → recall 5/10.
        Assert.Equal((0.4, 0.5), (unequal.Precision, unequal.Recall));
    }

    /// <summary>Reference (0,0),(2,0),(0,2),(2,2): mean (1,1), covariance 4/3·I. Generated ×2 + (3,0): mean (5,2), covariance 16/3·I.</summary>
    private static (torch.Tensor Reference, torch.Tensor Generated) Square()
    {
        var reference = torch.tensor(new double[] { 0, 0, 2, 0, 0, 2, 2, 2 }, [4, 2]);
        return (reference, reference * 2 + torch.tensor(new double[] { 3, 0 }));
    }

    [Fact]
    public void Compute_HeldOutReferenceFeatures_FdIsTheHandComputation()
    {
        // FD = ‖μ_g − μ_r‖² + Tr(Σ_g + Σ_r − 2(Σ_g Σ_r)^½) = 17 + 2·(16/3 + 4/3 − 2·8/3) = 17 + 8/3.
        // The real (training) features equal the generated ones, so FD against them would be 0.
        var (reference, generated) = Square();
        using (reference)
        using (generated)
        {
            var inputs = new MetricInputs("test", generated, generated, null, NoPixels, NoPixels, ReferenceFeatures: reference);

            var entry = CheckpointMetrics.Compute(inputs, [EvaluationMetricNames.Frechet, EvaluationMetricNames.PrecisionRecall], seed: 0).Entry;

            Assert.Equal(17 + (8.0 / 3), entry.Fd!.Value, 1e-9);
            Assert.Equal(4, entry.PrecisionRecallPerSide);
            Assert.Equal(0.0, CheckpointMetrics.Compute(inputs with { ReferenceFeatures = null }, [EvaluationMetricNames.Frechet], seed: 0).Entry.Fd!.Value, 1e-9);
        }
    }

    [Fact]
    public void Compute_ReferenceStatisticsOnly_GivesFdAndNotesKidAndPr()
    {
        var (reference, generated) = Square();
        using (reference)
        using (generated)
        {
            var inputs = new MetricInputs("test", generated, generated, null, NoPixels, NoPixels, ReferenceStatistics: FeatureStatistics.FromFeatures(reference, "test"));

            var entry = CheckpointMetrics.Compute(inputs, [EvaluationMetricNames.Frechet, EvaluationMetricNames.Kid, EvaluationMetricNames.PrecisionRecall], seed: 0).Entry;

            Assert.Equal(17 + (8.0 / 3), entry.Fd!.Value, 1e-9);
            Assert.Null(entry.KidMean);
            Assert.Null(entry.Precision);
            Assert.Equal(2, entry.Notes.Count(n => n.Contains("statistics without features", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void ImageSource_Test_IsTheFashionMnistTestSplitWithoutLimit()
    {
        var data = new DataConfig { Source = DataSource.FashionMnist, Path = "/x", TrainSplit = true, Limit = 300 };

        var source = EvaluationReference.ImageSource(EvaluationReference.TestSplit, data);

        Assert.Equal(data with { TrainSplit = false, Limit = 0 }, source);
    }

    [Fact]
    public void ImageSource_Test_LoadsTheTestSplitFiles_NotTheTrainingOnes()
    {
        // Generated IDX files (the dataset package need not be installed): 2 training images of value 10, 3 test images of value 200.
        var folder = Directory.CreateTempSubdirectory("sd-fmnist-ref-").FullName;
        try
        {
            static byte[] Idx(int[] dimensions, byte value, int count)
            {
                var header = new byte[4 + (4 * dimensions.Length)];
                header[2] = 0x08;
                header[3] = (byte)dimensions.Length;
                for (var d = 0; d < dimensions.Length; d++) System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + (4 * d)), dimensions[d]);
                return [.. header, .. Enumerable.Repeat(value, count)];
            }

            foreach (var (prefix, count, value) in new[] { ("train", 2, (byte)10), ("t10k", 3, (byte)200) })
            {
                File.WriteAllBytes(Path.Combine(folder, $"{prefix}-images-idx3-ubyte"), Idx([count, 28, 28], value, count * 28 * 28));
                File.WriteAllBytes(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte"), Idx([count], 1, count));
            }

            var run = new DataConfig { Source = DataSource.FashionMnist, Path = folder, ImageSize = 28, Channels = 1, Limit = 1 };
            using var set = SharpDiffusion.Data.DatasetLoader.Load(EvaluationReference.ImageSource("test", run)!, null, out _);

            Assert.Equal(3, set.Count); // the whole split, not the run's data.limit of 1
            Assert.Equal(200, set.Images.max().item<byte>());
            Assert.Equal(200, set.Images.min().item<byte>());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ImageSource_TestOfAnotherSource_RefusesInOneSentence()
    {
        var error = Assert.Throws<EvaluationException>(() => EvaluationReference.ImageSource("test", new DataConfig { Source = DataSource.Synthetic }));

        Assert.Equal("--reference test names the test split of a Fashion-MNIST run, but this run's data source is Synthetic; pass a folder of held-out images instead.", error.Message);
    }

    [Fact]
    public void ImageSource_MissingPath_RefusesInOneSentence()
    {
        var error = Assert.Throws<EvaluationException>(() => EvaluationReference.ImageSource("/no/such/reference", new DataConfig()));

        Assert.Equal("--reference '/no/such/reference' is neither 'test', a folder of images nor a feature or statistics file; pass one of those.", error.Message);
    }

    [Fact]
    public void SettingsKey_Reference_ChangesTheKey()
    {
        var protocol = new EvaluationProtocol(16, [EvaluationMetricNames.Frechet], "ddim", 10, 0, 0, 8);

        Assert.NotEqual(protocol.SettingsKey("resnet18", "abc"), protocol.SettingsKey("resnet18", "abc", "def"));
        Assert.NotEqual(protocol.SettingsKey("resnet18", "abc", "def"), protocol.SettingsKey("resnet18", "abc", "ghi"));
    }

    [Fact]
    public void Read_EntryWrittenBeforeTheseFields_LoadsWithThemNull()
    {
        var folder = Path.Combine(Path.GetTempPath(), "sd-eval-old-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, EvaluationLog.ResultsFileName),
                """{ "entries": [ { "step": 100, "fd": 12.5, "precision": 0.07, "recall": 0.87, "memorization_share": 0.01, "n": 100, "settings_key": "old" } ] }""");

            var entry = Assert.Single(new EvaluationLog(folder).Read());
            var report = Assert.Single(SharpDiffusion.Reporting.EvaluationResults.Read(Path.Combine(folder, EvaluationLog.ResultsFileName)).Entries);

            Assert.Equal((12.5, 0.07), (entry.Fd, entry.Precision));
            Assert.Null(entry.Reference);
            Assert.Null(entry.PrecisionRecallPerSide);
            Assert.Null(entry.MemorizationRatioShare);
            Assert.Null(report.Reference);
            Assert.Null(report.MemorizationRatioShare);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
