namespace SharpDiffusion.Config;

// Enum members are written to JSON in kebab case ("center-crop", "fashion-mnist"); see ConfigJson.

/// <summary>Where training images come from.</summary>
public enum DataSource { Synthetic, Folder, FashionMnist }

/// <summary>How an image of another aspect ratio is brought to the square training size.</summary>
public enum ResizePolicy
{
    /// <summary>Stretch to the square (what the reference project did).</summary>
    Squash,
    /// <summary>Scale the short side to the size and cut the centre.</summary>
    CenterCrop,
    /// <summary>Scale the long side to the size and pad with the border colour.</summary>
    Pad,
}

/// <summary>β schedule of the forward process.</summary>
public enum BetaSchedule
{
    /// <summary>Ho et al. 2020: β linear from beta_start to beta_end.</summary>
    Linear,
    /// <summary>Nichol &amp; Dhariwal 2021, eq. 17: ᾱ(t) = cos²((t/T + s)/(1 + s) · π/2).</summary>
    Cosine,
    /// <summary>Jabri et al. 2022 (denoising-diffusion-pytorch's default): ᾱ from a scaled sigmoid.</summary>
    Sigmoid,
    /// <summary>β_t listed in diffusion.betas, one per timestep (an imported run carries its checkpoint's own table).</summary>
    Table,
}

/// <summary>How noise levels, preconditioning and the loss are defined (diffusion.formulation; Diffusion/Formulations).</summary>
public enum DiffusionFormulation
{
    /// <summary>Ho et al. 2020: T discrete timesteps of a β schedule; what every run before formulations existed is.</summary>
    Ddpm,
    /// <summary>Karras et al. 2022: continuous σ, preconditioning, log-normal training levels (diffusion.edm).</summary>
    Edm,
}

/// <summary>What the network predicts.</summary>
public enum Objective
{
    /// <summary>The added noise ε (Ho et al. 2020).</summary>
    Eps,
    /// <summary>The clean image x₀.</summary>
    X0,
    /// <summary>v = √ᾱ·ε − √(1−ᾱ)·x₀ (Salimans &amp; Ho 2022).</summary>
    V,
}

/// <summary>Numeric precision of the forward/backward pass (master weights, gradients given to the optimizer and the
/// optimizer stay fp32; bf16 runs forward/backward on a bf16 copy, Training/Fused/LowPrecisionCopy).</summary>
public enum Precision { Fp32, Bf16 }

/// <summary>
/// The optimizer (training.optimizer). Values in JSON: fused-adam, fused-adamw, adam, adamw. The fused ones are the same
/// update as TorchSharp's (equal to 1e-6 after 50 steps) over flat buffers, with clipping and the NaN/Inf skip on the device;
/// adam/adamw are TorchSharp's per-parameter implementations, kept as the reference. Checkpoints are interchangeable.
/// </summary>
public enum OptimizerKind
{
    /// <summary>Adam with L2 weight decay (g ← g + λθ), flat buffers.</summary>
    FusedAdam,
    /// <summary>AdamW (decoupled decay, θ ← θ(1 − lr·λ)), flat buffers. Spelled so that JSON reads "fused-adamw".</summary>
    FusedAdamw,
    /// <summary>TorchSharp's optim.Adam.</summary>
    Adam,
    /// <summary>TorchSharp's optim.AdamW.</summary>
    Adamw,
}

/// <summary>Which U-Net structure <c>model.*</c> describes (docs/model.md).</summary>
public enum UNetLayout
{
    /// <summary>Ho et al. 2020: blocks at each level's own width, R + 1 up blocks, GroupNorm, full attention where configured.</summary>
    Ddpm,
    /// <summary>denoising-diffusion-pytorch 2.x <c>Unet</c>: blocks at the level's input width, RMSNorm, linear attention except where configured.</summary>
    Reference,
}

/// <summary>Interpolation that brings a super-resolution stage's low-resolution input to its output size.</summary>
public enum UpscaleInterpolation { Bilinear, Bicubic }

/// <summary>The pixel term of the autoencoder's reconstruction loss (model.autoencoder.reconstruction).</summary>
public enum ReconstructionLoss
{
    /// <summary>Mean |x − x̂| (LDM's choice).</summary>
    L1,
    /// <summary>Mean (x − x̂)².</summary>
    L2,
}
