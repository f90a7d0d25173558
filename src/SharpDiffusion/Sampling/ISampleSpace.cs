using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// The space a diffusion model denoises in, and the way back to images: pixels themselves (<see cref="PixelSpace"/>), or an
/// autoencoder's scaled latents (<see cref="Latent.LatentSpace"/>). Samplers run in it; images leave it once, at the end.
/// </summary>
public interface ISampleSpace : IDisposable
{
    /// <summary>Whether x̂₀ may be clipped to [−1, 1] while sampling: true for images, false for latents (they have no such range).</summary>
    bool Clips { get; }

    /// <summary>Images [B, C, H, W] in [−1, 1] from samples of this space on the same device.</summary>
    Tensor ToImages(Tensor samples);
}

/// <summary>Pixel space: samples are images already.</summary>
public sealed class PixelSpace : ISampleSpace
{
    public static readonly PixelSpace Instance = new();

    private PixelSpace()
    {
    }

    public bool Clips => true;

    public Tensor ToImages(Tensor samples) => samples.clamp(Scaled.MinusOne, Scaled.One);

    public void Dispose()
    {
    }
}
