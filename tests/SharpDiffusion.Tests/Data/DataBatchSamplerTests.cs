using SharpDiffusion.Data;
using TorchSharp;

namespace SharpDiffusion.Tests.Data;

public sealed class DataBatchSamplerTests
{
    /// <summary>Random, hence asymmetric, images; label i marks image i so a batch tells which source it drew.</summary>
    private static ImageDataset RandomDataset(int count = 10, int channels = 3, int size = 6)
    {
        var images = torch.randint(0, 256, [count, channels, size, size], torch.uint8, generator: new torch.Generator(11));
        var labels = torch.arange(count, torch.int64);
        return new ImageDataset(images, labels, [.. Enumerable.Range(0, count).Select(i => $"image{i}")], "test");
    }

    private static torch.Tensor AsFloat(torch.Tensor uint8) => uint8.to(torch.float32).div(127.5).sub(1.0);

    [Fact]
    public void Next_SameGeneratorSeed_GivesTheSameBatch()
    {
        using var data = RandomDataset();
        using var sampler = new BatchSampler(data, torch.CPU, hflip: true);

        var (imagesA, labelsA) = sampler.Next(16, new torch.Generator(5));
        var (imagesB, labelsB) = sampler.Next(16, new torch.Generator(5));
        var (imagesC, _) = sampler.Next(16, new torch.Generator(6));

        Assert.True(DataTestFiles.SameTensor(imagesA, imagesB));
        Assert.True(DataTestFiles.SameTensor(labelsA, labelsB));
        Assert.False(DataTestFiles.SameTensor(imagesA, imagesC));
    }

    [Fact]
    public void Next_WithoutFlip_ReturnsTheLabelledSourceImagesScaledToMinusOneOne()
    {
        using var data = RandomDataset();
        using var sampler = new BatchSampler(data, torch.CPU, hflip: false);

        var (images, labels) = sampler.Next(32, new torch.Generator(1));

        Assert.Equal([32L, 3, 6, 6], images.shape);
        Assert.Equal(torch.ScalarType.Float32, images.dtype);
        Assert.Equal(torch.ScalarType.Int64, labels.dtype);
        for (var b = 0; b < 32; b++)
        {
            var index = labels[b].item<long>();
            using var expected = AsFloat(data.Images[index]);
            Assert.True(DataTestFiles.SameTensor(expected, images[b]));
        }
    }

    [Fact]
    public void Next_FloatExamplesWithMirrorCopy_FlipsPickTheMirrorRowAndDrawTheSameIndicesAsImages()
    {
        // Latents: float examples are used as they are, and a flip takes the example's own mirror copy (here its negation, so
        // it is told apart from both the example and its left-right flip). The draws are those of the image path.
        using var data = RandomDataset();
        using var examples = new TrainingExamples(AsFloat(data.Images), AsFloat(data.Images).neg(), data.Labels.alias());
        using var latentSampler = new BatchSampler(examples, torch.CPU, hflip: true);
        using var imageSampler = new BatchSampler(data, torch.CPU, hflip: true);

        var (latents, latentLabels) = latentSampler.Next(64, new torch.Generator(2));
        var (images, imageLabels) = imageSampler.Next(64, new torch.Generator(2));

        Assert.True(DataTestFiles.SameTensor(latentLabels, imageLabels));
        int mirrored = 0, kept = 0;
        for (var b = 0; b < 64; b++)
        {
            using var source = AsFloat(data.Images[latentLabels[b].item<long>()]);
            bool imageFlipped = !DataTestFiles.SameTensor(images[b], source);
            using var expected = imageFlipped ? source.neg() : source.alias();
            Assert.True(DataTestFiles.SameTensor(expected, latents[b]));
            if (imageFlipped) mirrored++;
            else kept++;
        }
        Assert.True(mirrored > 0 && kept > 0, $"{mirrored} mirrored, {kept} kept");
    }

    [Fact]
    public void Next_WithFlip_MirrorsSomeSamplesLeftRightAndLeavesTheOthers()
    {
        using var data = RandomDataset();
        using var sampler = new BatchSampler(data, torch.CPU, hflip: true);

        var (images, labels) = sampler.Next(64, new torch.Generator(2));

        int flipped = 0, kept = 0;
        for (var b = 0; b < 64; b++)
        {
            using var source = AsFloat(data.Images[labels[b].item<long>()]);
            using var mirrored = source.flip(2);
            if (DataTestFiles.SameTensor(mirrored, images[b]))
                flipped++;
            else if (DataTestFiles.SameTensor(source, images[b]))
                kept++;
        }

        Assert.Equal(64, flipped + kept); // every sample is its source, mirrored or not
        Assert.InRange(flipped, 16, 48); // p = ½ per sample; this seed's draw is well inside Binomial(64, ½)'s bulk
    }

    [Fact]
    public void Next_Values_SpanExactlyMinusOneToOne()
    {
        var images = torch.tensor(new byte[] { 0, 255, 0, 255 }, [1, 1, 2, 2], torch.uint8);
        using var data = new ImageDataset(images, torch.zeros(1, torch.int64), ["only"], "test");
        using var sampler = new BatchSampler(data, torch.CPU, hflip: true);

        var (batch, _) = sampler.Next(8, new torch.Generator(3));

        using var min = batch.min();
        using var max = batch.max();
        Assert.Equal(-1f, min.item<float>());
        Assert.Equal(1f, max.item<float>());
    }

    [Fact]
    public void Dispose_LeavesTheDatasetTensorsUsable()
    {
        using var data = RandomDataset();
        using (new BatchSampler(data, torch.CPU, hflip: false))
        {
        }

        using var sum = data.Images.sum();
        Assert.True(sum.item<long>() > 0);
    }
}
