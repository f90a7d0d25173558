using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// The one model interface every sampler sees: the model's prediction at x, a batch [B, …] in variance-preserving units
/// (x_t = √ᾱ·x₀ + √(1−ᾱ)·ε, so x_T ≈ n), at one noise level shared by the batch. The formulation decides how the network
/// is called (<see cref="Diffusion.Formulations.IFormulation"/>); the sampler never sees a network or a timestep.
/// </summary>
public delegate Prediction Denoiser(Tensor x, NoiseLevel level);
