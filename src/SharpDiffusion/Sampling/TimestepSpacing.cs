namespace SharpDiffusion.Sampling;

/// <summary>Which of the T training timesteps a sampler with fewer steps visits (see <see cref="Timesteps"/>).</summary>
public enum TimestepSpacing
{
    /// <summary>Multiples of ⌊T/steps⌋ from 0 up (DDIM's uniform skip; diffusers "leading"): ends at t = 0 but may start below T−1.</summary>
    Leading,
    /// <summary>round(T − k·T/steps) − 1 (Lin et al. 2024, Table 2; diffusers "trailing"): starts at T−1, ends above 0 unless steps = T.</summary>
    Trailing,
    /// <summary>(k/(steps−1))²·(T−1) (Song et al. 2021's "quadratic" skip, stretched to end at T−1): dense near t = 0.</summary>
    Quadratic,
    /// <summary>Uniform in log-SNR between t = T−1 and t = 0 (Lu et al. 2022, §3.3 "logSNR"); needs the noise schedule.</summary>
    LogSnrUniform,
}
