using SharpDiffusion.Config;
using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

public class ModelGradientTests
{
    [Fact]
    public void Backward_NoiseRegressionLoss_GivesFiniteNonZeroGradientToEveryParameter()
    {
        random.manual_seed(11);
        var config = new ModelConfig
        {
            Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [8], Heads = 2, HeadDim = 4, Dropout = 0.1,
            ClassConditional = true, NumClasses = 2,
        };
        using var model = new UNet(config, 3, 16);
        model.train();
        using var scope = NewDisposeScope();
        var x = randn(4, 3, 16, 16);
        // Every class row of the embedding, the null one included, is used so that each receives a gradient.
        var labels = tensor(new long[] { 0, 1, 2, 0 });

        var loss = nn.functional.mse_loss(model.forward(x, tensor(new long[] { 0, 10, 500, 999 }), Conditioning.Classes(labels)), randn_like(x));
        loss.backward();

        foreach (var (name, parameter) in model.named_parameters())
        {
            var grad = parameter.grad;
            Assert.True(grad is not null, $"{name} has no gradient");
            Assert.True(grad.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
            Assert.True(grad.abs().sum().item<float>() > 0, $"{name} has an all-zero gradient");
        }
    }
}
