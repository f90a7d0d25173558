using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Evaluation.Inception;

/// <summary>
/// The standard FID feature extractor: pytorch-fid's InceptionV3 with the user's
/// <c>pt_inception-2015-12-05-6726825d.pth</c>. Input handling as pytorch-fid: pixels / 255, bilinear resize to
/// 299×299 (align_corners = false, no antialiasing), then 2x − 1. Features are pool3 (2048-d); logits are the
/// 1008-way classifier on pool3 (for IS), by default without its bias as torch-fidelity scores them (<see cref="InceptionLogits"/>).
/// </summary>
public sealed class InceptionFidExtractor : IFeatureExtractor
{
    public const string ExtractorName = "inception";
    public const int InputSize = 299;

    /// <summary>The file name of pytorch-fid's weights (a GitHub release asset of pytorch-fid).</summary>
    public const string WeightsFileName = InceptionFidWeights.FileName;

    // held Scalars: see Scaled
    private static readonly Scalar PixelMax = 255.0.ToScalar();
    private static readonly Scalar Two = 2.ToScalar();
    private static readonly Scalar One = 1.ToScalar();

    private readonly FidInceptionV3 _network;
    private readonly Device _device;
    private readonly InceptionLogits _logits;

    private InceptionFidExtractor(FidInceptionV3 network, Device device, InceptionLogits logits)
    {
        _network = network;
        _device = device;
        _logits = logits;
    }

    /// <summary>Builds the network on <paramref name="device"/> and loads the pytorch-fid weights from <paramref name="weightsPath"/>.</summary>
    public static InceptionFidExtractor Load(string weightsPath, Device device, InceptionLogits logits = InceptionLogits.Unbiased)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(weightsPath);
        var network = new FidInceptionV3(logits);
        try
        {
            InceptionFidWeights.Load(network, weightsPath);
            network.to(device);
            network.eval();
            return new InceptionFidExtractor(network, device, logits);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    public string Name => ExtractorName;

    public int FeatureDim => FidInceptionV3.FeatureDim;

    public bool HasLogits => true;

    public string? LogitsKind => InceptionLogitsKinds.Name(_logits);

    public (Tensor Features, Tensor? Logits) Extract(Tensor imagesUint8)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var rgb = RgbImages.Ensure(imagesUint8);
        var x = rgb.to(_device).to(float32).div(PixelMax);
        x = nn.functional.interpolate(x, size: [InputSize, InputSize], mode: InterpolationMode.Bilinear, align_corners: false);
        x = x.mul(Two).sub(One);
        var (pool3, logits) = _network.forward(x);
        return (pool3.cpu().MoveToOuterDisposeScope(), logits.cpu().MoveToOuterDisposeScope());
    }

    public void Dispose() => _network.Dispose();
}
