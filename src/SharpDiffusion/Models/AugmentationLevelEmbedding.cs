using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// Embeds the noise-conditioning augmentation level s ∈ [0, 1] of a super-resolution stage (CDM §3) like a timestep:
/// sinusoidal features of 1000·s (so [0, 1] spans the frequencies [0, T) spans for t), then Linear–SiLU–Linear to the
/// time-embedding width; the result is added to the time embedding.
/// </summary>
internal sealed class AugmentationLevelEmbedding : Module<Tensor, Tensor>
{
    /// <summary>The sinusoid's input per unit of s.</summary>
    public const double Scale = 1000;

    /// <summary><see cref="Scale"/>, held (see Sampling/Scaled).</summary>
    private static readonly Scalar ScaleScalar = Scale.ToScalar();

    private readonly int _dim;
    private readonly Sequential mlp;

    public AugmentationLevelEmbedding(int dim, long embeddingDim) : base(nameof(AugmentationLevelEmbedding))
    {
        _dim = dim;
        mlp = Sequential(("0", Linear(dim, embeddingDim)), ("1", SiLU()), ("2", Linear(embeddingDim, embeddingDim)));
        RegisterComponents();
    }

    /// <param name="level">float [B] in [0, 1].</param>
    /// <returns>[B, embeddingDim] in the dtype of <paramref name="like"/>.</returns>
    public Tensor Forward(Tensor level, Tensor like)
    {
        using var scope = NewDisposeScope();
        var features = TimestepEmbedding.Sinusoidal(level.to(ScalarType.Float32).mul(ScaleScalar), _dim).to(like.dtype);
        return mlp.call(features).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor level) => Forward(level, level);
}
