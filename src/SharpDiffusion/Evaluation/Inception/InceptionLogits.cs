using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Evaluation.Inception;

/// <summary>
/// Which class logits the Inception classifier gives for the Inception Score. <see cref="Unbiased"/> is pool3 · Wᵀ
/// without the fc bias: torch-fidelity's and torchmetrics' default feature (<c>logits_unbiased</c>), which follows
/// the original TensorFlow code (it took the softmax of the matmul before the bias). <see cref="Biased"/> adds the
/// bias (pytorch-fid's full fc layer), for comparison with tools that score those.
/// </summary>
public enum InceptionLogits
{
    Unbiased,
    Biased,
}

/// <summary>Names of <see cref="InceptionLogits"/> (as written in results and taken by <c>--is-logits</c>) and the head itself.</summary>
public static class InceptionLogitsKinds
{
    public const string UnbiasedName = "unbiased";
    public const string BiasedName = "biased";

    public static string Name(InceptionLogits kind) => kind == InceptionLogits.Unbiased ? UnbiasedName : BiasedName;

    public static InceptionLogits Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        UnbiasedName => InceptionLogits.Unbiased,
        BiasedName => InceptionLogits.Biased,
        _ => throw new EvaluationException($"Unknown Inception logits '{text}'; use {UnbiasedName} (torch-fidelity and torchmetrics, the default) or {BiasedName} (with the fc bias)."),
    };

    /// <summary>The classifier on pool3 [B, D] with fc weight [K, D] and bias [K]: pool3 · Wᵀ, plus the bias when biased.</summary>
    public static Tensor Apply(Tensor pool3, Tensor weight, Tensor bias, InceptionLogits kind)
    {
        var unbiased = pool3.matmul(weight.t());
        return kind == InceptionLogits.Unbiased ? unbiased : unbiased.Plus(bias);
    }
}
