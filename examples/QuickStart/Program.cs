// Uses SharpDiffusion as a library, through its public API only: train a few steps from a config, load the run, sample,
// and score the samples with FD-ResNet18 (the Fréchet distance in the features of the ImageNet ResNet-18 the package ships).
// Run: dotnet run --project examples/QuickStart   (after `dotnet pack src/SharpDiffusion -o artifacts/packages`)
using SharpDiffusion.Api;
using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Runtime;

string runFolder = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), $"sharpdiffusion-quickstart-{Environment.ProcessId}");
var config = ConfigLoader.Load(Path.Combine(AppContext.BaseDirectory, "tiny-shapes.json"));

// 1. Train: checkpoints, log.csv and sample grids land in the run folder, exactly as `ddpm train` writes them.
var result = DiffusionRun.Train(config, runFolder, progress: p =>
{
    if (p.Step % config.Training.LogEvery == 0) Console.WriteLine($"step {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}");
});
Console.WriteLine($"trained to step {result.FinalStep}; checkpoint {result.LastCheckpoint}");

// 2. Load the run (its latest checkpoint, EMA weights) and generate 32 images with DDIM, 20 steps.
using var run = DiffusionRun.Load(runFolder, DeviceKind.Cpu);
using var generated = run.Generate(32, sampler: "ddim", steps: 20, seed: 1);
string grid = Path.Combine(runFolder, "quickstart-samples.png");
ImageCodec.SaveGrid(generated, grid);
Console.WriteLine($"generated {generated.shape[0]} images of {run.Metadata.ImageSize}×{run.Metadata.ImageSize} → {grid}");

// 2b. The same samples from a given starting noise x_T (a PyTorch user's `latents=`), as float arrays before quantisation:
//     any x_T of shape [n, ...run.SampleShape] can be passed; here the one seed 1 draws, so the samples are equal.
using var xT = run.StartingNoiseFor(4, seed: 1);
using var fromSeed = run.GenerateArray(4, sampler: "ddim", steps: 20, seed: 1);
using var fromNoise = run.GenerateArray(4, sampler: "ddim", steps: 20, seed: 1, startingNoise: xT);
Console.WriteLine($"x_T [{string.Join(", ", xT.shape)}] given back: samples equal = {fromSeed.equal(fromNoise).all().item<bool>()}, range [{fromNoise.min().item<float>():F2}, {fromNoise.max().item<float>():F2}]");

// 3. Score them against the training images in ResNet-18 feature space.
using var real = DatasetLoader.Load(config.Data, cacheDir: null, out _, config.Seed);
using var extractor = FeatureExtractors.Create("resnet18", inceptionWeights: null, run.Device);
var (realFeatures, realLogits) = FeatureExtraction.ExtractAll(extractor, real.Images);
var (generatedFeatures, generatedLogits) = FeatureExtraction.ExtractAll(extractor, generated);
double fd = FrechetDistance.Compute(FeatureStatistics.FromFeatures(realFeatures, extractor.Name), FeatureStatistics.FromFeatures(generatedFeatures, extractor.Name));
foreach (var tensor in new[] { realFeatures, realLogits, generatedFeatures, generatedLogits }) tensor?.Dispose();
Console.WriteLine($"{FeatureExtractors.FrechetLabel(extractor.Name)}: {fd:F1} ({generated.shape[0]} generated vs {real.Count} real images; a smoke number after {result.FinalStep} steps, not a benchmark)");
Console.WriteLine($"written by SharpDiffusion {run.Metadata.Software?.Tool} (commit {run.Metadata.Software?.Commit ?? "unknown"})");
