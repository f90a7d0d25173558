using System.Text.Json.Serialization;
using SharpDiffusion.Config;

namespace SharpDiffusion.Interop.Export;

/// <summary>
/// The config.json next to exported weights (docs/interop.md): what the weights are, the U-Net they belong to (the same
/// <c>model</c> and <c>diffusion</c> objects as a run config, snake_case) and the noise schedule spelled out, so a PyTorch
/// user needs nothing of this library to run them. A DDPM export spells out its β table (<see cref="Betas"/>); an EDM export
/// has no table (the key is left out) and states its preconditioning instead (<see cref="Preconditioning"/>), with format
/// version <see cref="PreconditionedVersion"/> so that a reader of version 1 refuses it rather than reading it as DDPM.
/// </summary>
public sealed record ExportManifest
{
    public const string FormatName = "sharpdiffusion-export";
    /// <summary>The version of a DDPM export (unchanged since exports existed).</summary>
    public const int CurrentVersion = 1;

    /// <summary>
    /// The version of an export whose formulation is not ddpm (EDM): the layout is version 1's plus <see cref="Preconditioning"/>,
    /// but a version-1 reader skips that key and would read the network as an ε-predictor over β's, so it must refuse the file.
    /// </summary>
    public const int PreconditionedVersion = 2;

    /// <summary>The version an export of <paramref name="diffusion"/> is written with (as CheckpointFile.FormatVersionFor).</summary>
    public static int VersionFor(DiffusionConfig diffusion) =>
        (diffusion ?? throw new ArgumentNullException(nameof(diffusion))).Formulation == DiffusionFormulation.Ddpm ? CurrentVersion : PreconditionedVersion;

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

    /// <summary>β_t for t = 0 … T−1 in float64, as the sampler uses them (ddpm only; an EDM manifest has no <c>betas</c> key and reads as empty).</summary>
    public IReadOnlyList<double> Betas { get; init; } = [];

    /// <summary>How the network F becomes the denoiser D(x; σ) (EDM only; a DDPM manifest has no such key).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EdmPreconditioning? Preconditioning { get; init; }

    /// <summary>For the reference layout with 2 blocks per level and no classes: the keyword arguments of
    /// denoising-diffusion-pytorch 2.x's <c>Unet(...)</c> whose <c>load_state_dict</c> takes these weights as they are.</summary>
    public UnetArguments? DenoisingDiffusionPytorchUnet { get; init; }

    public sealed record UnetArguments(int Dim, IReadOnlyList<int> DimMults, int Channels, int AttnHeads, int AttnDimHead, IReadOnlyList<bool> FullAttn, double Dropout);

    /// <summary>
    /// EDM's preconditioning (Karras et al. 2022, Table 1), stated as formulas of σ and σ_data so that it can be implemented
    /// from the manifest alone: x = x₀ + σ·n (x_σ, not the variance-preserving x_t), D(x; σ) = c_skip·x + c_out·F(c_in·x, c_noise),
    /// F's float time input being c_noise. The formulas are constants of the kind; <see cref="SigmaData"/> is the run's.
    /// </summary>
    public sealed record EdmPreconditioning
    {
        public string Kind { get; init; } = "edm";

        /// <summary>σ_data as the run trained with it (resolved from the sample space when the config left it out).</summary>
        public required double SigmaData { get; init; }

        /// <summary>What x and σ are: the noisy sample's convention.</summary>
        public string X { get; init; } = "x = x0 + sigma * n, n ~ N(0, I), x0 in input_range";

        public string Denoiser { get; init; } = "D(x; sigma) = c_skip * x + c_out * F(c_in * x, c_noise)";

        [JsonPropertyName("c_skip")]
        public string CSkip { get; init; } = "sigma_data^2 / (sigma^2 + sigma_data^2)";

        [JsonPropertyName("c_out")]
        public string COut { get; init; } = "sigma * sigma_data / sqrt(sigma^2 + sigma_data^2)";

        [JsonPropertyName("c_in")]
        public string CIn { get; init; } = "1 / sqrt(sigma^2 + sigma_data^2)";

        [JsonPropertyName("c_noise")]
        public string CNoise { get; init; } = "ln(sigma) / 4";

        /// <summary>What the network's time argument receives (a float per sample, into its sinusoidal embedding).</summary>
        public string NetworkTimeInput { get; init; } = "c_noise";
    }
}
