using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// A user-supplied TorchScript feature network (<c>torch.jit.save</c> output). Contract: <c>forward(x)</c> takes float32
/// [B, 3, H, W] RGB with values 0–255 (the convention of the StyleGAN/clean-fid TorchScript detectors; the module
/// resizes and normalises itself) and returns either features [B, D] or a tuple (features [B, D], logits [B, K]).
/// Which of the two it returns, and D, are found by running it once on a black 64×64 image when it is loaded.
/// </summary>
public sealed class TorchScriptExtractor : IFeatureExtractor
{
    private const int ProbeSize = 64;

    private readonly jit.ScriptModule _module;
    private readonly Device _device;

    /// <summary>Refuses a network file that does not exist (before anything is loaded).</summary>
    internal static void ThrowIfMissing(string path)
    {
        if (!File.Exists(path))
            throw new EvaluationException($"The TorchScript feature network '{path}' does not exist; pass a file written by torch.jit.save as --extractor torchscript:FILE.");
    }

    public TorchScriptExtractor(string path, Device device)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(device);
        ThrowIfMissing(path);
        try
        {
            _module = jit.load(path, device.type, device.index);
        }
        catch (Exception e) when (e is ExternalException or InvalidOperationException or ArgumentException)
        {
            throw new EvaluationException($"'{path}' could not be loaded as TorchScript ({FirstLine(e.Message)}); save the network with torch.jit.save(torch.jit.script(model), FILE).");
        }

        _device = device;
        Path = System.IO.Path.GetFullPath(path);
        _module.eval();
        Name = "torchscript:" + System.IO.Path.GetFileName(path);
        using var probe = zeros([1, 3, ProbeSize, ProbeSize], uint8);
        var (features, logits) = Extract(probe);
        FeatureDim = (int)features.shape[1];
        HasLogits = logits is not null;
        features.Dispose();
        logits?.Dispose();
    }

    public string Name { get; }

    /// <summary>The TorchScript file, for cache keys.</summary>
    public string Path { get; }

    public int FeatureDim { get; }

    public bool HasLogits { get; }

    public string? LogitsKind => HasLogits ? "module output" : null;

    public (Tensor Features, Tensor? Logits) Extract(Tensor imagesUint8)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var rgb = RgbImages.Ensure(imagesUint8);
        var x = rgb.to(_device).to(float32);
        var batch = x.shape[0];
        var output = _module.call(x);
        var (features, logits) = output switch
        {
            Tensor f => (f, (Tensor?)null),
            ValueTuple<Tensor, Tensor> t => (t.Item1, t.Item2),
            Tuple<Tensor, Tensor> t => (t.Item1, t.Item2),
            object[] { Length: 2 } a when a[0] is Tensor f && a[1] is Tensor l => (f, l),
            _ => throw new EvaluationException($"TorchScript extractor {Name} returned {output?.GetType().Name ?? "nothing"}; it must return features [B, D] or a tuple (features, logits)."),
        };
        features = Require2D(features, batch, "features");
        logits = logits is null ? null : Require2D(logits, batch, "logits");
        return (features.to(float32).cpu().MoveToOuterDisposeScope(), logits?.to(float32).cpu().MoveToOuterDisposeScope());
    }

    public void Dispose() => _module.Dispose();

    private Tensor Require2D(Tensor t, long batch, string what)
    {
        if (t.dim() == 4 && t.shape[2] == 1 && t.shape[3] == 1)
        {
            t = t.flatten(1);
        }

        if (t.dim() != 2 || t.shape[0] != batch)
        {
            throw new EvaluationException($"TorchScript extractor {Name} returned {what} of shape [{string.Join(", ", t.shape)}] for {batch} images; it must return [B, D].");
        }

        return t;
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
