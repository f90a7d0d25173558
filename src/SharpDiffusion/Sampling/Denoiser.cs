using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>The one model interface every sampler sees: returns ε̂(x_t, t), the noise prediction, for int64 timesteps t [B].</summary>
public delegate Tensor Denoiser(Tensor xt, Tensor t);
