using System.CommandLine;
using System.Globalization;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Runtime;
using Spectre.Console;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// <c>ddpm fid A B</c>: Fréchet distance between two image folders, statistics files (ours or pytorch-fid's .npz) or
/// .npy feature files; <c>ddpm fid --save-stats A OUT</c> writes A's statistics instead (as pytorch-fid's option does).
/// </summary>
internal sealed class FidCommand : Command
{
    private readonly Argument<string> _first = new("A") { Description = "Image folder, statistics file (ddpm features --stats, or pytorch-fid's .npz with mu and sigma) or .npy features (ddpm features --out)." };
    private readonly Argument<string> _second = new("B") { Description = "The same kinds as A; with --save-stats, the statistics file to write (.npz: pytorch-fid's format)." };
    private readonly Option<bool> _saveStats = new("--save-stats") { Description = "Write the statistics of A to the file B instead of comparing (B.npz is pytorch-fid's format, anything else ddpm's)." };
    private readonly Option<bool> _json = new(JsonOutput.OptionName) { Description = "Print the result as JSON on stdout (progress goes to stderr)." };
    private readonly Option<int> _batch = new("--batch") { HelpName = "B", Description = "Images per forward pass.", DefaultValueFactory = _ => 32 };
    private readonly Option<string> _device = new("--device") { Description = "Where TorchSharp extractors run.", DefaultValueFactory = _ => "auto" };
    private readonly FeaturesExtractorOptions _extractor = new();

    public FidCommand()
        : base("fid", "Fréchet distance between two image sets: FID with the pytorch-fid Inception, FD-ResNet18 with the offline ResNet-18.")
    {
        Add(_first);
        Add(_second);
        foreach (var option in new Option[] { _saveStats, _json, _batch, _device }.Concat(_extractor.All)) Add(option);
        Choices.Restrict(_device, NativeRuntime.DeviceNames);
        SetAction(parse => Execute(parse.GetValue(_first)!, parse.GetValue(_second)!, parse.GetValue(_saveStats), parse.GetValue(_json), parse.GetValue(_batch),
            parse.GetValue(_device)!, parse.GetValue(_extractor.Extractor), parse.GetValue(_extractor.InceptionWeights)));
    }

    private static int Execute(string first, string second, bool saveStats, bool json, int batch, string deviceName, string? extractorSpec, string? weightsOption)
    {
        if (batch < 1) throw new UsageException("--batch must be at least 1.");
        foreach (var path in saveStats ? new[] { first } : [first, second])
            if (!Directory.Exists(path) && !File.Exists(path)) throw new UsageException($"'{path}' does not exist; pass an image folder, a statistics file or a .npy feature file.");
        if (saveStats && Directory.Exists(second)) throw new UsageException($"--save-stats writes the file B, but '{second}' is a folder; pass a file name such as stats.npz.");
        if (json) JsonOutput.HumanOutputToStderr();

        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(deviceName));
        var weights = FeaturesExtractorOptions.WeightsOrEnvironment(weightsOption);
        var inputs = saveStats ? new[] { first } : [first, second];
        // Without --extractor, a precomputed side decides the feature space, so "fid stats.npz folder/" just works.
        var spec = extractorSpec
                   ?? inputs.Where(File.Exists).Select(PrecomputedFeatures.Extractor).FirstOrDefault(e => e is not null)
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
            if (saveStats)
            {
                PrecomputedFeatures.SaveStatistics(a, second);
                AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"wrote {second}: statistics of {a.Count} × {a.Dimension} {a.Extractor} features")));
                if (json) JsonOutput.Write(new FidStatisticsResult(Path.GetFullPath(second), a.Extractor, a.Count, a.Dimension));
                return 0;
            }

            var b = Statistics(second);
            var distance = FrechetDistance.Compute(a, b);
            var label = FeatureExtractors.FrechetLabel(a.Extractor);
            if (json)
                JsonOutput.Write(new FidResult(label, distance, a.Extractor, Count(a), Count(b)));
            else
                AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"{label} = {distance:F4}  (extractor {a.Extractor}, {Describe(a)} vs {Describe(b)})")));
            return 0;
        }
        finally
        {
            extractor?.Dispose();
        }
    }

    /// <summary>A pytorch-fid .npz does not record how many images it came from.</summary>
    private static long? Count(FeatureStatistics s) => s.Count > 0 ? s.Count : null;

    private static string Describe(FeatureStatistics s) => s.Count > 0 ? s.Count.ToString(CultureInfo.InvariantCulture) + " images" : "precomputed statistics";

    /// <summary>What <c>ddpm fid A B --json</c> prints: the distance named by its feature space (FID only for the Inception).</summary>
    private sealed record FidResult(string Metric, double Value, string Extractor, long? CountA, long? CountB);

    private sealed record FidStatisticsResult(string Statistics, string Extractor, long Count, int Dimension);
}
