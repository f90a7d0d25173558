using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Runtime;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>ddpm features</c>: features of a folder of images as NumPy .npy (plus a JSON sidecar naming the extractor).</summary>
internal sealed class FeaturesCommand : Command
{
    private readonly Option<string?> _images = new("--images") { HelpName = "DIR", Description = "Folder of images (loose or in class subfolders), all of one size." };
    private readonly Option<string?> _out = new("--out") { HelpName = "F.npy", Description = "Features [N, D] float32 as .npy; F.json names the extractor; F.logits.npy holds logits when the extractor has them." };
    private readonly Option<string?> _stats = new("--stats") { HelpName = "FILE", Description = "Also write mean and covariance (float64) for ddpm fid; FILE.npz is pytorch-fid's format (mu, sigma)." };
    private readonly Option<int> _batch = new("--batch") { HelpName = "B", Description = "Images per forward pass.", DefaultValueFactory = _ => 32 };
    private readonly Option<string> _device = new("--device") { Description = "Where TorchSharp extractors run (ONNX ResNet-18 always runs on the CPU).", DefaultValueFactory = _ => "auto" };
    private readonly FeaturesExtractorOptions _extractor = new();

    public FeaturesCommand()
        : base("features", "Extract features of a folder of images into a NumPy .npy file; prints images/s (the extraction benchmark of docs/BENCHMARKS.md).")
    {
        foreach (var option in new Option[] { _images, _out, _stats, _batch, _device, _extractor.IsLogits }.Concat(_extractor.All)) Add(option);
        Choices.Restrict(_device, NativeRuntime.DeviceNames);
        SetAction(parse => Execute(parse.GetValue(_images), parse.GetValue(_out), parse.GetValue(_stats), parse.GetValue(_batch), parse.GetValue(_device)!,
            parse.GetValue(_extractor.Extractor), parse.GetValue(_extractor.InceptionWeights), parse.GetValue(_extractor.IsLogits)));
    }

    private static int Execute(string? images, string? output, string? stats, int batch, string deviceName, string? extractorSpec, string? weightsOption, string? isLogits)
    {
        if (images is null || output is null) throw new UsageException("features needs --images DIR and --out F.npy.");
        if (batch < 1) throw new UsageException("--batch must be at least 1.");
        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(deviceName));
        var weights = FeaturesExtractorOptions.WeightsOrEnvironment(weightsOption);
        using var extractor = FeaturesExtractorOptions.Create(FeaturesExtractorOptions.Spec(extractorSpec, weights), weights, device, isLogits);

        var decode = Stopwatch.StartNew();
        using var pixels = EvalProgress.RunCounted($"reading {images}", p => ImageFolderImages.Load(images, p));
        decode.Stop();
        var n = pixels.shape[0];
        var watch = Stopwatch.StartNew();
        var (features, logits) = EvalProgress.Run($"{extractor.Name} features", n, p => FeatureExtraction.ExtractAll(extractor, pixels, batch, p));
        watch.Stop();
        using (features)
        using (logits)
        {
            FeatureFile.Save(output, features, logits, new FeatureFileInfo(extractor.Name, n, extractor.FeatureDim, Path.GetFullPath(images), logits is not null, extractor.LogitsKind));
            if (stats is not null) PrecomputedFeatures.SaveStatistics(FeatureStatistics.FromFeatures(features, extractor.Name), stats);
        }

        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"wrote {output}: {n} × {extractor.FeatureDim} features from {extractor.Name} ({(logits is null ? "no logits" : $"{extractor.LogitsKind} logits in {FeatureFile.LogitsPath(output)}")})")));
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"extraction: {watch.Elapsed.TotalSeconds:F2} s, {n / watch.Elapsed.TotalSeconds:F2} images/s (batch {batch}, {pixels.shape[2]}×{pixels.shape[3]} input, {device.type.ToString().ToLowerInvariant()}, {TorchSharp.torch.get_num_threads()} threads); decoding {decode.Elapsed.TotalSeconds:F2} s")));
        return 0;
    }
}
