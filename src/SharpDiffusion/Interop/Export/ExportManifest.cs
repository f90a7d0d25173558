using SharpDiffusion.Config;

namespace SharpDiffusion.Interop.Export;

/// <summary>
/// The config.json next to exported weights (docs/interop.md): what the weights are, the U-Net they belong to (the same
/// <c>model</c> and <c>diffusion</c> objects as a run config, snake_case) and the noise schedule spelled out, so a PyTorch
/// user needs nothing of this library to run them.
/// </summary>
public sealed record ExportManifest
{
    public const string FormatName = "sharpdiffusion-export";
    public const int CurrentVersion = 1;

    public string Format { get; init; } = FormatName;
    public int FormatVersion { get; init; } = CurrentVersion;

    /// <summary>The weights file beside this one: model.safetensors or model.pt.</summary>
    public required string WeightsFile { get; init; }

    /// <summary>Which weights: always "ema" (the averaged ones sampling uses).</summary>
    public string Weights { get; init; } = "ema";

    /// <summary>Training step of the exported checkpoint.</summary>
    public int Step { get; init; }

    public int Channels { get; init; }
    public int ImageSize { get; init; }

    /// <summary>Class names by label index (class-conditional models; label class_names.Count is the null class).</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>Pixel range the network works in: images are mapped from [0, 1] to [−1, 1].</summary>
    public IReadOnlyList<double> InputRange { get; init; } = [-1, 1];

    public required ModelConfig Model { get; init; }
    public required DiffusionConfig Diffusion { get; init; }

    /// <summary>β_t for t = 0 … T−1 in float64, as the sampler uses them.</summary>
    public IReadOnlyList<double> Betas { get; init; } = [];

    /// <summary>For the reference layout with 2 blocks per level and no classes: the keyword arguments of
    /// denoising-diffusion-pytorch 2.x's <c>Unet(...)</c> whose <c>load_state_dict</c> takes these weights as they are.</summary>
    public UnetArguments? DenoisingDiffusionPytorchUnet { get; init; }

    public sealed record UnetArguments(int Dim, IReadOnlyList<int> DimMults, int Channels, int AttnHeads, int AttnDimHead, IReadOnlyList<bool> FullAttn, double Dropout);
}
