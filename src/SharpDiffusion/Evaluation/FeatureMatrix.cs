using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>Checks and converts the [N, D] feature matrices that every metric takes.</summary>
internal static class FeatureMatrix
{
    /// <summary>Returns a float64 CPU copy of a [N, D] feature tensor, or throws naming <paramref name="what"/>.</summary>
    internal static torch.Tensor ToFloat64(torch.Tensor features, string what, long minRows = 1)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2)
        {
            throw new ArgumentException($"The {what} must be a [N, D] feature matrix, but its shape is [{string.Join(", ", features.shape)}]; flatten or extract features first.", nameof(features));
        }

        if (features.shape[0] < minRows)
        {
            throw new ArgumentException($"The {what} has {features.shape[0]} rows but this metric needs at least {minRows}; use more samples.", nameof(features));
        }

        if (!features.is_floating_point())
        {
            throw new ArgumentException($"The {what} must be floating point, but its dtype is {features.dtype}; convert it with .to(float64).", nameof(features));
        }

        return features.to(torch.float64, torch.CPU).contiguous();
    }

    internal static void RequireSameDimension(torch.Tensor a, torch.Tensor b, string whatA, string whatB)
    {
        if (a.shape[1] != b.shape[1])
        {
            throw new ArgumentException($"The {whatA} have {a.shape[1]} dimensions but the {whatB} have {b.shape[1]}; compute both with the same feature extractor.");
        }
    }
}
