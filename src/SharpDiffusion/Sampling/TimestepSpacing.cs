namespace SharpDiffusion.Sampling;

/// <summary>
/// Which noise levels a sampler visits: timesteps of a DDPM table, or σ's of a continuous range. The key of <see cref="TimestepSpacings.All"/>, where
/// each one's name, help and rule are written once.
/// </summary>
public enum TimestepSpacing
{
    /// <summary>Multiples of ⌊T/steps⌋ from 0 up (DDIM's uniform skip; diffusers "leading").</summary>
    Leading,
    /// <summary>round(T − k·T/steps) − 1 (Lin et al. 2024; diffusers "trailing").</summary>
    Trailing,
    /// <summary>(k/(steps−1))²·(T−1) (Song et al. 2021's "quadratic" skip, stretched to end at T−1).</summary>
    Quadratic,
    /// <summary>Uniform in log-SNR between t = T−1 and t = 0 (Lu et al. 2022, §3.3); needs the noise schedule.</summary>
    LogSnrUniform,
    /// <summary>denoising-diffusion-pytorch's DDIM rule: int(linspace(−1, T−1, steps+1)) in float32, truncated, without the −1.</summary>
    Ddp,
    /// <summary>σ_i = (σ_max^(1/ρ) + i/(n−1)·(σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ (Karras et al. 2022, eq. 5), ρ = 7.</summary>
    Karras,
}
