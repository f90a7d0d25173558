using SharpDiffusion.Models.Autoencoder;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

public sealed class AdversarialLossTests
{
    [Fact]
    public void Discriminator_HandComputedLogits_IsHalfTheSumOfBothHingeMeans()
    {
        // relu(1 − (2, 0.5, −1)) = (0, 0.5, 2), mean 5/6; relu(1 + (−2, 0.25, 1.5)) = (0, 1.25, 2.5), mean 5/4; ½(5/6 + 5/4) = 25/24.
        using var real = tensor(new[] { 2.0, 0.5, -1.0 });
        using var fake = tensor(new[] { -2.0, 0.25, 1.5 });
        using var loss = AdversarialLoss.Discriminator(real, fake);
        Assert.Equal(25.0 / 24.0, loss.item<double>(), 12);
    }

    [Fact]
    public void Discriminator_ConfidentCorrectLogits_IsZero()
    {
        // Beyond the margins (D(x) ≥ 1, D(x̂) ≤ −1) the hinge gives no loss: the discriminator stops pushing.
        using var loss = AdversarialLoss.Discriminator(tensor(new[] { 1.0, 3.0 }), tensor(new[] { -1.0, -5.0 }));
        Assert.Equal(0.0, loss.item<double>());
    }

    [Fact]
    public void Generator_HandComputedLogits_IsMinusTheirMean()
    {
        using var loss = AdversarialLoss.Generator(tensor(new[] { -2.0, 0.25, 1.5 }, [1, 1, 1, 3]));
        Assert.Equal(0.25 / 3.0, loss.item<double>(), 12);
    }

    [Fact]
    public void AdaptiveWeight_LossesWithAnalyticGradients_IsTheRatioOfTheirNormsTimesTheScale()
    {
        // w = (1, 2). L_rec = 3·w₁ + 4·w₂ ⇒ ∇ = (3, 4), ‖·‖ = 5. L_G = ‖w‖² ⇒ ∇ = 2w = (2, 4), ‖·‖ = √20.
        // λ = 0.5 · 5 / (√20 + 1e-4).
        using var w = tensor(new[] { 1.0, 2.0 }).requires_grad_();
        using var rec = (w * tensor(new[] { 3.0, 4.0 })).sum();
        using var gan = w.square().sum();

        using var lambda = AdversarialLoss.AdaptiveWeight(rec, gan, w, scale: 0.5);

        Assert.Equal(0.5 * 5.0 / (Math.Sqrt(20.0) + 1e-4), lambda.item<double>(), 12);
        Assert.False(lambda.requires_grad);
        // Both graphs are kept for the total loss's backward: ∇(L_rec + λ·L_G) = (3, 4) + λ·(2, 4).
        using var total = rec + lambda * gan;
        total.backward();
        double l = lambda.item<double>();
        var gradient = w.grad!.data<double>().ToArray();
        Assert.Equal(3 + 2 * l, gradient[0], 12);
        Assert.Equal(4 + 4 * l, gradient[1], 12);
    }

    [Fact]
    public void AdaptiveWeight_GeneratorGradientVanishes_IsClampedAtTenThousand()
    {
        // ∇L_G = 0: 5 / 1e-4 = 5e4 before the clamp; taming clamps at 1e4 (then the scale applies).
        using var w = tensor(new[] { 1.0, 2.0 }).requires_grad_();
        using var rec = (w * tensor(new[] { 3.0, 4.0 })).sum();
        using var gan = (w * 0.0).sum();
        using var lambda = AdversarialLoss.AdaptiveWeight(rec, gan, w, scale: 2.0);
        Assert.Equal(2.0 * 1e4, lambda.item<double>());
    }
}
