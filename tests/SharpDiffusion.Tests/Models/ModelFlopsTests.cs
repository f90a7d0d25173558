using SharpDiffusion.Config;
using SharpDiffusion.Models;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

/// <summary>FLOP counts of the super-resolution family and of a cascade against closed forms of the layers that differ.</summary>
public class ModelFlopsTests
{
    private const int Dim = 8, Channels = 3, Output = 16, Input = 8;

    private static readonly ModelConfig Base = new() { Dim = Dim, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Heads = 2, HeadDim = 4, Groups = 4 };

    private static readonly ModelConfig Upscaler = Base with { SuperResolution = new SuperResolutionConfig { InputSize = Input } };

    // What a super-resolution stage adds to the same U-Net at the same output size, counted by hand (2 FLOPs per multiply-add):
    // the init conv reads C more channels (the upsampled low-resolution image), 3×3 kernels, dim outputs at every pixel:
    // 2·H·W·dim·C·9; the augmentation-level MLP is Linear(dim→E) then Linear(E→E) with E = 4·dim: 2·(dim·E + E·E).
    private const double ConcatInputLayer = 2.0 * Output * Output * Dim * Channels * 9;                 // 55,296
    private const double AugmentationMlp = 2.0 * (Dim * 4 * Dim + 4 * Dim * 4 * Dim);                  // 2,560

    [Fact]
    public void Forward_SuperResolutionStage_ExceedsTheBaseAtTheSameSizeByTheConcatLayerAndTheLevelMlp()
    {
        using var baseModel = new UNet(Base, Channels, Output);
        using var upscaler = new UNet(Upscaler, Channels, Output);

        double difference = ModelFlops.Forward(upscaler, 1, CPU) - ModelFlops.Forward(baseModel, 1, CPU);

        Assert.Equal(ConcatInputLayer + AugmentationMlp, difference);
        Assert.Equal(3 * difference, ModelFlops.Forward(upscaler, 3, CPU) - ModelFlops.Forward(baseModel, 3, CPU)); // linear in the batch
    }

    [Fact]
    public void Count_CascadeOfTheSameUNet_SingleIsTheBaseAtTheOutputSizeAndPerImageIsStepsTimesPerStep()
    {
        var baseConfig = new RunConfig { Model = Base, Data = new DataConfig { ImageSize = Input, Channels = Channels } };
        var upscalerConfig = new RunConfig { Model = Upscaler, Data = new DataConfig { ImageSize = Output, Channels = Channels } };

        var r = CascadeFlops.Count(baseConfig, upscalerConfig, baseSteps: 250, upscalerSteps: 50);

        using (var single = new UNet(Base, Channels, Output))
            Assert.Equal(ModelFlops.Forward(single, 1, CPU), r.SinglePerStep);
        using (var small = new UNet(Base, Channels, Input))
            Assert.Equal(ModelFlops.Forward(small, 1, CPU), r.BasePerStep);
        Assert.Equal(ConcatInputLayer + AugmentationMlp, r.UpscalerPerStep - r.SinglePerStep);
        Assert.Equal(250 * r.BasePerStep + 50 * r.UpscalerPerStep, r.CascadePerImage);
        Assert.Equal(250 * r.SinglePerStep, r.SinglePerImage);
    }

    [Fact]
    public void Count_UpscalerInputIsNotTheBaseOutput_IsRefused()
    {
        var baseConfig = new RunConfig { Model = Base, Data = new DataConfig { ImageSize = 4, Channels = Channels } };
        var upscalerConfig = new RunConfig { Model = Upscaler, Data = new DataConfig { ImageSize = Output, Channels = Channels } };

        var error = Assert.Throws<CheckpointException>(() => CascadeFlops.Count(baseConfig, upscalerConfig, 1, 1));
        Assert.Equal("the upscaler config upscales 8×8 images but the base config makes 4×4; train the upscaler with model.super_resolution.input_size=4.", error.Message);
    }
}
