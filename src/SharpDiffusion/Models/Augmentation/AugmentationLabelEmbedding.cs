using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models.Augmentation;

/// <summary>
/// EDM's <c>map_augment</c> (NVlabs/edm training/networks.py): a bias-free linear layer from the 9 augmentation labels to the
/// width of the sinusoidal noise embedding, added to it before the time MLP. Bias-free, so zero labels ("not augmented")
/// add exactly nothing; zero-initialised (EDM's ADM variant, init_zero), so a new model starts as the un-augmented network
/// and draws nothing from the global generator (the other weights of a seed stay as they were).
/// </summary>
internal sealed class AugmentationLabelEmbedding : Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    public AugmentationLabelEmbedding(long embeddingWidth) : base(nameof(AugmentationLabelEmbedding))
    {
        weight = Parameter(zeros(embeddingWidth, AugmentationLabels.Count));
        RegisterComponents();
    }

    /// <param name="labels">float [B, 9].</param>
    /// <returns>[B, embeddingWidth], in the dtype of the weight.</returns>
    public override Tensor forward(Tensor labels) => functional.linear(labels.to(weight.dtype), weight);
}
