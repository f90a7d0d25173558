using SharpDiffusion.Models.Augmentation;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models.Augmentation;

/// <summary>
/// Each op of the non-leaking augmentation on a synthetic image whose result is known by hand. Images are −1 with one +1
/// dot; u = (x + 1)/2 is then the dot's weight. The 2×2 supersampling renders a dot that lands exactly on a pixel as
/// the separable kernel [⅛, ¾, ⅛] (sub-samples at ±¼ read ¾ of the dot and ¼ of it from the neighbour: (¾ + ¾)/2, (¼ + 0)/2).
/// </summary>
public sealed class AugmentationGeometryTests
{
    private static readonly float[] Kernel = [0.125f, 0.75f, 0.125f];

    private static Tensor Dot(int side, int x, int y)
    {
        var image = full([1, 1, side, side], -1f);
        image[0, 0, y, x] = tensor(1f);
        return image;
    }

    private static AugmentationParameters One(Func<AugmentationParameters, AugmentationParameters> set) => set(AugmentationParameters.None(1, CPU));

    private static Tensor Scalar(double value) => tensor(new[] { (float)value });

    private static Tensor Weights(Tensor image) => image.add(1).div(2)[0, 0];

    /// <summary>Centre of mass (x, y) of u within <paramref name="radius"/> pixels of (<paramref name="x"/>, <paramref name="y"/>)
    /// (a shrunk image also shows mirrored copies of the dot near the borders: reflect padding).</summary>
    private static (double X, double Y) Centre(Tensor image, int x, int y, int radius = 3)
    {
        var u = Weights(image).narrow(0, y - radius, 2 * radius + 1).narrow(1, x - radius, 2 * radius + 1);
        var offsets = arange(-radius, radius + 1, ScalarType.Float32);
        double total = u.sum().item<float>();
        return (x + u.sum(dim: 0).mul(offsets).sum().item<float>() / total, y + u.sum(dim: 1).mul(offsets).sum().item<float>() / total);
    }

    private static void AssertKernelAt(Tensor image, int x, int y)
    {
        var u = Weights(image);
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
                Assert.Equal(Kernel[dx + 1] * Kernel[dy + 1], u[y + dy, x + dx].item<float>(), 1e-5);
        Assert.Equal(1.0, u.sum().item<float>(), 1e-4); // nothing else lit
    }

    [Fact]
    public void XFlipAndYFlip_AreExactMirrorsWithTheirLabel()
    {
        using var scope = NewDisposeScope();
        var image = rand([2, 3, 8, 8]).mul(2).sub(1);
        var both = AugmentationParameters.None(2, CPU);
        var (x, xLabels) = NonLeakingAugmentation.Apply(image, both with { XFlip = tensor(new[] { 1f, 0f }) });
        var (y, yLabels) = NonLeakingAugmentation.Apply(image, both with { YFlip = tensor(new[] { 0f, 1f }) });

        Assert.True(x[0].equal(image[0].flip(2)).all().item<bool>() && x[1].equal(image[1]).all().item<bool>());
        Assert.True(y[1].equal(image[1].flip(1)).all().item<bool>() && y[0].equal(image[0]).all().item<bool>());
        Assert.Equal([1f, 0f], xLabels[.., AugmentationLabels.XFlip].data<float>().ToArray());
        Assert.Equal([0f, 1f], yLabels[.., AugmentationLabels.YFlip].data<float>().ToArray());
    }

    [Fact]
    public void Translate_ByWholePixels_MovesTheDotThere()
    {
        using var scope = NewDisposeScope();
        // 16 px side: w = 2 is 2 · 0.125 · 16 = 4 px to the right, w = −1 is 2 px up.
        var (moved, labels) = NonLeakingAugmentation.Apply(Dot(16, 5, 6), One(p => p with { TranslateX = Scalar(2), TranslateY = Scalar(-1) }));
        AssertKernelAt(moved, 9, 4);
        Assert.Equal(2f, labels[0, AugmentationLabels.TranslateX].item<float>());
        Assert.Equal(-1f, labels[0, AugmentationLabels.TranslateY].item<float>());
    }

    [Fact]
    public void Rotate_QuarterTurn_TurnsTheDotCounterClockwiseOnScreen()
    {
        using var scope = NewDisposeScope();
        // Centre (7.5, 7.5); the dot at (+3.5, −0.5) from it, right of centre, goes to (−0.5, −3.5): above it, pixel (7, 4).
        var (turned, labels) = NonLeakingAugmentation.Apply(Dot(16, 11, 7), One(p => p with { Angle = Scalar(Math.PI / 2) }));
        AssertKernelAt(turned, 7, 4);
        Assert.Equal(-1f, labels[0, AugmentationLabels.RotateCos].item<float>(), 1e-6);
        Assert.Equal(1f, labels[0, AugmentationLabels.RotateSin].item<float>(), 1e-6);
    }

    [Fact]
    public void Rotate_QuarterTurn_OfAPattern_IsRot90OfTheSameResampling()
    {
        using var scope = NewDisposeScope();
        // A quarter turn maps the supersampling's sub-pixel grid onto itself, so turning then filtering equals filtering then rot90
        // (torch.rot90 over [H, W] turns counter-clockwise on screen).
        var pattern = rand([2, 3, 12, 12], generator: new TorchSharp.torch.Generator(5));
        var quarter = AffineMatrices.Rotate(full([2], Math.PI / 2, ScalarType.Float32));
        var turned = AffineResampling.Apply(pattern, quarter);
        var filtered = AffineResampling.Apply(pattern, AffineMatrices.Identity(2, CPU));
        Assert.True(turned.allclose(filtered.rot90(1, (2, 3)), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Scale_ByTwo_MagnifiesAboutTheCentre()
    {
        using var scope = NewDisposeScope();
        // 15 px side, centre 7: 2^(0.2·5) = 2 takes the dot at +2 from the centre (pixel 9) to +4 (pixel 11). w = −5 halves +4 to
        // +2, and the box prefilter averages the input over the output pixel's footprint [3, 5]: the dot's whole area, ¼ of it
        // (a mirrored copy starts 3 pixels away: the shrunk image is surrounded by its reflection).
        var (larger, labels) = NonLeakingAugmentation.Apply(Dot(15, 9, 7), One(p => p with { Scale = Scalar(5) }));
        var (x, y) = Centre(larger, 11, 7);
        Assert.Equal(11, x, 1e-3);
        Assert.Equal(7, y, 1e-3);
        Assert.Equal(5f, labels[0, AugmentationLabels.Scale].item<float>());

        var (smaller, _) = NonLeakingAugmentation.Apply(Dot(15, 11, 7), One(p => p with { Scale = Scalar(-5) }));
        var u = Weights(smaller);
        Assert.Equal(0.25f, u[7, 9].item<float>(), 1e-6);
        Assert.Equal(0.25f, u.narrow(0, 5, 5).narrow(1, 7, 5).sum().item<float>(), 1e-5);
    }

    [Fact]
    public void Aniso_AlongX_StretchesXAndSquashesY()
    {
        using var scope = NewDisposeScope();
        // r = 0, w = 5: x × 2, y × ½. The dot at (+2, +2) from the centre of a 15 px image goes to (+4, +1): pixel (11, 8).
        var (stretched, labels) = NonLeakingAugmentation.Apply(Dot(15, 9, 9), One(p => p with { Aniso = Scalar(5) }));
        var (x, y) = Centre(stretched, 11, 8);
        Assert.Equal(11, x, 1e-3);
        Assert.Equal(8, y, 1e-3);
        Assert.Equal(5f, labels[0, AugmentationLabels.AnisoCos].item<float>());
        Assert.Equal(0f, labels[0, AugmentationLabels.AnisoSin].item<float>());
    }

    [Fact]
    public void ShrinkAndRotate_AConstantImage_StaysConstant_ReflectPaddingLeavesNoBlackCorners()
    {
        using var scope = NewDisposeScope();
        var white = ones([1, 3, 16, 16]);
        var (result, _) = NonLeakingAugmentation.Apply(white, One(p => p with { Scale = Scalar(-5), Angle = Scalar(Math.PI / 4), TranslateX = Scalar(1.5) }));
        Assert.True(result.allclose(white, rtol: 0, atol: 1e-5), $"min {result.min().item<float>()}");
    }

    [Fact]
    public void Labels_LayoutIsEdms()
    {
        using var scope = NewDisposeScope();
        var parameters = new AugmentationParameters(
            XFlip: Scalar(1), YFlip: Scalar(0), Scale: Scalar(0.5), Angle: Scalar(Math.PI / 6), Aniso: Scalar(-2), AnisoAngle: Scalar(Math.PI / 3),
            TranslateX: Scalar(0.25), TranslateY: Scalar(-0.75));
        // By hand: [xflip, yflip, w_scale, cos θ − 1, sin θ, w_aniso·cos r, w_aniso·sin r, w_x, w_y].
        float[] expected = [1, 0, 0.5f, (float)(Math.Sqrt(3) / 2 - 1), 0.5f, -1, (float)(-Math.Sqrt(3)), 0.25f, -0.75f];
        var labels = parameters.Labels();
        Assert.Equal([1L, AugmentationLabels.Count], labels.shape);
        var actual = labels[0].data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6);
    }
}
