using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Runtime;
using TorchSharp;
using static TorchSharp.torch;

// real CONFIG SIZE OUT          the config's data source at SIZE×SIZE through the training pipeline, one PNG per image
// interpolate IN IN_SIZE SIZE MODE OUT  nearest or bicubic (torch's, as the upscaler's own input path and UpscaleComparison use)
// consistency LOW LOW_SIZE HIGH HIGH_SIZE  PSNR (dB, over [0, 1]) of the antialiased downscale of HIGH's images against LOW's
NativeRuntime.Initialize(DeviceKind.Cpu);
return args switch
{
    ["real", var config, var size, var outDir] => Real(config, int.Parse(size), outDir),
    ["interpolate", var inDir, var inSize, var size, var mode, var outDir] => Interpolate(inDir, int.Parse(inSize), int.Parse(size), mode, outDir),
    ["consistency", var lowDir, var lowSize, var highDir, var highSize] => Consistency(lowDir, int.Parse(lowSize), highDir, int.Parse(highSize)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: real CONFIG SIZE OUT | interpolate IN IN_SIZE SIZE nearest|bicubic OUT | consistency LOW LOW_SIZE HIGH HIGH_SIZE");
    return 2;
}

static int Real(string configPath, int size, string outDir)
{
    var config = ConfigLoader.Load(configPath);
    var data = config.Data with { ImageSize = size };
    using var set = DatasetLoader.Load(data, cacheDir: null, out var report, config.Seed);
    Console.WriteLine($"real: {report.Description}");
    SaveAll(set.Images.to(ScalarType.Float32).div(255.0), Enumerable.Range(0, set.Count).Select(i => $"real-{i:D5}").ToList(), outDir);
    return 0;
}

static int Interpolate(string inDir, int inSize, int size, string mode, string outDir)
{
    var (low, names) = LoadMinus1To1(inDir, inSize);
    var interpolation = mode switch
    {
        "nearest" => InterpolationMode.Nearest,
        "bicubic" => InterpolationMode.Bicubic,
        _ => throw new ArgumentException($"mode '{mode}': use nearest or bicubic"),
    };
    using var high = interpolation == InterpolationMode.Nearest
        ? nn.functional.interpolate(low, [size, size], mode: interpolation)
        : nn.functional.interpolate(low, [size, size], mode: interpolation, align_corners: false);
    SaveAll(high.clamp(-1, 1).add(1).div(2), names, outDir);
    return 0;
}

static int Consistency(string lowDir, int lowSize, string highDir, int highSize)
{
    var (low, names) = LoadMinus1To1(lowDir, lowSize);
    var (high, highNames) = LoadMinus1To1(highDir, highSize);
    if (!names.SequenceEqual(highNames)) throw new ArgumentException($"'{lowDir}' and '{highDir}' hold different file names");
    using var down = TensorResampler.Resize(high, (int)low.shape[2], (int)low.shape[3]);
    // Both in [0, 1]: PSNR = 10 log10(1 / MSE), MSE over every pixel of every image.
    double mse = down.sub(low).div(2).square().mean().item<float>();
    Console.WriteLine($"consistency PSNR {10 * Math.Log10(1 / mse):F2} dB over {names.Count} images ({highDir} downscaled against {lowDir})");
    return 0;
}

static (Tensor Images, List<string> Names) LoadMinus1To1(string dir, int size)
{
    var (pixels, names) = ExactSizeImages.Load(dir, size, 3);
    using (pixels) return (pixels.to(ScalarType.Float32).div(127.5).sub(1.0), names.ToList());
}

static void SaveAll(Tensor unit, IReadOnlyList<string> names, string outDir)
{
    Directory.CreateDirectory(outDir);
    for (int i = 0; i < names.Count; i++)
    {
        using var image = unit[i];
        ImageCodec.SavePng(image, Path.Combine(outDir, names[i] + ".png"));
    }
}
