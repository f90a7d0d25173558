using SharpDiffusion.Config;
using SharpDiffusion.Evaluation.Inception;
using SharpDiffusion.Models;
using SharpDiffusion.Models.Autoencoder;
using SharpDiffusion.Models.Perceptual;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Runtime;

/// <summary>
/// Every convolution the project runs, found by running the models of every shipped config (configs/**.json: pixel U-Nets
/// of both layouts, super-resolution stages, autoencoders with their discriminator and perceptual ResNet-18, latent U-Nets)
/// and the FID Inception once with <see cref="BlockAlignedConvolution"/>'s recorder on, then each distinct call checked
/// against float64. Shared by the in-process test and <c>sd-test-process conv-check</c> (the same check under an emulated
/// host: <see cref="OneDnnHostEmulationTests"/>).
/// </summary>
internal static class ConvolutionCheck
{
    /// <summary>Relative tolerance against float64: float32 rounding over reductions of at most a few thousand terms.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>bfloat16 keeps 8 significant bits: its tolerance against float64 of the same (bf16-rounded) inputs.</summary>
    public const double BFloat16Tolerance = 2e-2;

    /// <summary>
    /// Size of a check. oneDNN's padding bug needs a channel count that is not a multiple of the SIMD block (16 at most);
    /// such calls run on 8 images of at most 16² (the size at which the emulated host reproduces it: 1×8² hid the demo's
    /// 32→3 failure), and all others on one image of at most 8², which keeps the float64 reference cheap.
    /// </summary>
    private static readonly (long Batch, long Side) OddChannels = (8, 16), AlignedChannels = (1, 8);

    private const long ResNet18Side = SharpDiffusion.Evaluation.ResNet18OnnxExtractor.InputSize;

    public sealed record Failure(string Family, string Call, string What, double Error);

    /// <summary>The distinct convolution calls of every family at the checked size, with the first family that made each.</summary>
    public static IReadOnlyList<(string Family, ConvolutionCall Call)> Enumerate(string configs)
    {
        var found = new Dictionary<string, (string, ConvolutionCall)>();
        void Run(string family, Action forward)
        {
            BlockAlignedConvolution.Recorder.Value = call => found.TryAdd(AtCheckedSize(call).Key, (family, AtCheckedSize(call)));
            try
            {
                using var _ = no_grad();
                using var scope = NewDisposeScope();
                forward();
            }
            finally
            {
                BlockAlignedConvolution.Recorder.Value = null;
            }
        }

        // A folder (every config under it) or one config file.
        string folder = File.Exists(configs) ? Path.GetDirectoryName(Path.GetFullPath(configs))! : configs;
        string[] files = File.Exists(configs) ? [Path.GetFullPath(configs)] : Directory.GetFiles(configs, "*.json", SearchOption.AllDirectories);
        var loaded = files.Order(StringComparer.Ordinal)
            .Select(path => (Name: Path.GetRelativePath(folder, path), Config: WithClasses(ConfigLoader.Load(path, ["data.path=/data"])))) // a folder name only: nothing is read
            .ToList();
        foreach (var (name, config) in loaded)
        {
            int channels = config.Data.Channels, size = config.Data.ImageSize;
            string family = $"{ModelFamily.Of(config.Model)} ({name})";
            if (config.Model.Autoencoder is { } autoencoder)
            {
                using var model = new AutoencoderKL(autoencoder, channels, size);
                using var discriminator = new PatchDiscriminator(autoencoder, channels);
                using var perceptual = new ImageNetResNet18();
                Run(family, () => model.Decode(model.Encode(randn(1, channels, size, size)).Mean));
                Run($"discriminator ({name})", () => discriminator.forward(randn(1, channels, size, size)));
                Run($"perceptual ResNet-18 ({name})", () => perceptual.forward(randn(1, channels, ResNet18Side, ResNet18Side))); // its graph pools 7×7 at the end
            }
            else if (config.Model.Latent is not null)
            {
                // Resolved as LatentSetup would against each autoencoder config of the same folder and image size.
                foreach (var (aeName, ae) in loaded.Where(c => c.Config.Model.Autoencoder is not null && Path.GetDirectoryName(c.Name) == Path.GetDirectoryName(name) && c.Config.Data.ImageSize == size))
                {
                    var a = ae.Model.Autoencoder!;
                    using var model = new UNet(config.Model with { Latent = config.Model.Latent with { Factor = a.Factor, LatentChannels = a.LatentChannels } }, a.LatentChannels, size / a.Factor);
                    Run($"{family} on {aeName}", () => ModelFlops.Forward(model, 1, CPU));
                }
            }
            else
            {
                using var model = new UNet(config.Model, channels, size);
                Run(family, () => ModelFlops.Forward(model, 1, CPU));
            }
        }
        using var inception = new FidInceptionV3();
        Run("FID Inception", () => inception.forward(randn(1, 3, 75, 75)));
        return found.Values.ToList();
    }

    /// <summary>The call at the size <see cref="Check"/> runs it: what makes two calls the same check.</summary>
    private static ConvolutionCall AtCheckedSize(ConvolutionCall call)
    {
        bool odd = call.Weight[0] % 16 != 0 || call.Weight[1] % 16 != 0;
        var (batch, side) = odd ? OddChannels : AlignedChannels;
        return call with { Input = [batch, call.Input[^3], Math.Min(call.Input[^2], side), Math.Min(call.Input[^1], side)] };
    }

    /// <summary>A class-conditional config takes its class count from the data when training starts: five, as SYSU-Shapes and the demo have.</summary>
    private static RunConfig WithClasses(RunConfig config) =>
        config.Model.ClassConditional && config.Model.NumClasses == 0 ? config with { Model = config.Model with { NumClasses = 5 } } : config;

    /// <summary>
    /// Replays <paramref name="call"/> in <paramref name="dtype"/> three times through <see cref="BlockAlignedConvolution"/>
    /// (the path the models take, under this process's oneDNN setup): forward, dx, dw and db against functional.conv2d in
    /// float64 on the same values (libtorch's native kernels, not oneDNN), and bitwise equal across the three repeats.
    /// </summary>
    /// <param name="block">The channel block to pad to, or null for this process's <see cref="Runtime.OneDnnSetup"/>.</param>
    public static IEnumerable<Failure> Check(string family, ConvolutionCall call, ScalarType dtype = ScalarType.Float32, int? block = null)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(0x5eed);
        long[] inputShape = AtCheckedSize(call).Input;
        // Values exactly representable in dtype, so float64 sees the same inputs; weights at He scale.
        Tensor Draw(long[] shape, double scale = 1) => (randn(shape, generator: generator) * scale).to(dtype).to(ScalarType.Float64);
        var x = Draw(inputShape);
        var w = Draw(call.Weight, 1 / Math.Sqrt(call.Weight[1..].Aggregate(1L, (p, q) => p * q)));
        var b = call.HasBias ? Draw([call.Weight[0]]) : null;
        var upstream = Draw(OutputShape(inputShape, call));
        var (reference, referenceGrads) = Run(x, w, b, call, ScalarType.Float64, upstream, block);
        double tolerance = dtype == ScalarType.Float32 ? Tolerance : BFloat16Tolerance;
        string[] names = ["forward", "dx", "dw", "db"];
        Tensor[]? first = null;
        for (int repeat = 0; repeat < 3; repeat++)
        {
            var (y, grads) = Run(x, w, b, call, dtype, upstream, block);
            Tensor[] results = [y, .. grads];
            Tensor[] expected = [reference, .. referenceGrads];
            for (int i = 0; i < results.Length; i++)
            {
                double error = RelativeError(results[i], expected[i]);
                if (repeat == 0 && !(error <= tolerance)) yield return new Failure(family, call.Key, $"{names[i]} ({dtype})", error);
                if (first is not null && !Same(first[i], results[i]))
                    yield return new Failure(family, call.Key, $"{names[i]} ({dtype}) differs between repeats 0 and {repeat}", double.NaN);
            }
            first ??= results;
        }
    }

    private static long[] OutputShape(long[] input, ConvolutionCall call)
    {
        long Side(int axis) => (input[axis + 2] + 2 * call.Padding[axis] - call.Dilation[axis] * (call.Weight[axis + 2] - 1) - 1) / call.Stride[axis] + 1;
        return [input[0], call.Weight[0], Side(0), Side(1)];
    }

    private static (Tensor Output, Tensor[] Grads) Run(Tensor x, Tensor w, Tensor? b, ConvolutionCall call, ScalarType dtype, Tensor upstream, int? block)
    {
        var xs = x.to(dtype).detach().requires_grad_(true);
        var ws = w.to(dtype).detach().requires_grad_(true);
        var bs = b?.to(dtype).detach().requires_grad_(true);
        var y = dtype == ScalarType.Float64
            ? nn.functional.conv2d(xs, ws, bs, call.Stride, call.Padding, call.Dilation, call.Groups)
            : block is int forced
                ? BlockAlignedConvolution.Conv2d(xs, ws, bs, call.Stride, call.Padding, call.Dilation, call.Groups, forced)
                : BlockAlignedConvolution.Conv2d(xs, ws, bs, call.Stride, call.Padding, call.Dilation, call.Groups);
        y.backward([upstream.to(dtype)]);
        Tensor[] grads = bs is null ? [xs.grad!, ws.grad!] : [xs.grad!, ws.grad!, bs.grad!];
        return (y.detach(), grads);
    }

    /// <summary>Equal shapes and equal values everywhere (the repeats of one deterministic computation).</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    /// <summary>max |a − b| / max |b| in float64; NaN or Inf anywhere makes it +∞.</summary>
    private static double RelativeError(Tensor actual, Tensor expected)
    {
        var a = actual.to(ScalarType.Float64);
        if (!a.isfinite().all().item<bool>()) return double.PositiveInfinity;
        double scale = Math.Max(expected.abs().max().item<double>(), 1e-30);
        return (a - expected).abs().max().item<double>() / scale;
    }
}
