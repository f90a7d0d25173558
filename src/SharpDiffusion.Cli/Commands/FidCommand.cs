using System.CommandLine;
using System.Globalization;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Runtime;
using Spectre.Console;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>ddpm fid A B</c>: Fréchet distance between two image folders, statistics files or .npy feature files.</summary>
internal sealed class FidCommand : Command
{
    private readonly Argument<string> _first = new("A") { Description = "Image folder, statistics file (ddpm features --stats) or .npy features (ddpm features --out)." };
    private readonly Argument<string> _second = new("B") { Description = "The same kinds as A." };
    private readonly Option<int> _batch = new("--batch") { HelpName = "B", Description = "Images per forward pass.", DefaultValueFactory = _ => 32 };
    private readonly Option<string> _device = new("--device") { Description = "Where TorchSharp extractors run.", DefaultValueFactory = _ => "auto" };
    private readonly FeaturesExtractorOptions _extractor = new();

    public FidCommand()
        : base("fid", "Fréchet distance between two image sets: FID with the pytorch-fid Inception, FD-ResNet18 with the offline ResNet-18.")
    {
        Add(_first);
        Add(_second);
        foreach (var option in new Option[] { _batch, _device }.Concat(_extractor.All)) Add(option);
        Choices.Restrict(_device, NativeRuntime.DeviceNames);
        SetAction(parse => Execute(parse.GetValue(_first)!, parse.GetValue(_second)!, parse.GetValue(_batch), parse.GetValue(_device)!,
            parse.GetValue(_extractor.Extractor), parse.GetValue(_extractor.InceptionWeights)));
    }

    private static int Execute(string first, string second, int batch, string deviceName, string? extractorSpec, string? weightsOption)
    {
        if (batch < 1) throw new UsageException("--batch must be at least 1.");
        foreach (var path in new[] { first, second })
            if (!Directory.Exists(path) && !File.Exists(path)) throw new UsageException($"'{path}' does not exist; pass an image folder, a statistics file or a .npy feature file.");

        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(deviceName));
        var weights = FeaturesExtractorOptions.WeightsOrEnvironment(weightsOption);
        // Without --extractor, a precomputed side decides the feature space, so "fid stats.bin folder/" just works.
        var spec = extractorSpec
                   ?? new[] { first, second }.Where(File.Exists).Select(PrecomputedFeatures.Extractor).FirstOrDefault(e => e is not null)
                   ?? FeaturesExtractorOptions.Spec(null, weights);

        IFeatureExtractor? extractor = null;
        try
        {
            FeatureStatistics Statistics(string path)
            {
                if (File.Exists(path)) return PrecomputedFeatures.Load(path, spec);
                extractor ??= FeaturesExtractorOptions.Create(spec, weights, device);
                using var images = EvalProgress.RunCounted($"reading {path}", p => ImageFolderImages.Load(path, p));
                var (features, logits) = EvalProgress.Run($"{extractor.Name} features of {path}", images.shape[0], p => FeatureExtraction.ExtractAll(extractor, images, batch, p));
                using (features)
                using (logits)
                    return FeatureStatistics.FromFeatures(features, extractor.Name);
            }

            var a = Statistics(first);
            var b = Statistics(second);
            var distance = FrechetDistance.Compute(a, b);
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{FeatureExtractors.FrechetLabel(a.Extractor)} = {distance:F4}  (extractor {a.Extractor}, {a.Count} vs {b.Count} images)")));
            return 0;
        }
        finally
        {
            extractor?.Dispose();
        }
    }
}
