using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// tensor · c with the <see cref="Scalar"/> held until the native call returns. TorchSharp 0.107's <c>tensor * double</c>
/// creates a temporary Scalar that only the garbage collector frees (dotnet/TorchSharp PR #1434, open); once its handle is
/// passed to libtorch nothing references it, so its finalizer can free it mid-call. In the long sampler loops that happened
/// (DDPM-1000 on 250 images: "Expected false to be true … toDouble"), so the samplers scale through here.
/// </summary>
internal static class Scaled
{
    /// <summary>Clamp bounds that live for the whole process (a static root is never finalized).</summary>
    public static readonly Scalar MinusOne = (-1.0).ToScalar();

    public static readonly Scalar One = 1.0.ToScalar();

    /// <summary>
    /// tensor + 1 with both Scalars held: <c>tensor + scalar</c> is <c>add(scalar, 1)</c> in TorchSharp 0.107, whose α = 1 is a
    /// temporary Scalar again (a rooted addend alone was not enough: eval of DDPM-1000 on 500 images still failed after ~5
    /// minutes with "Expected false to be true … toFloat" in ResnetBlock's scale-shift).
    /// </summary>
    public static Tensor PlusOne(Tensor tensor) => tensor.add(One, One);

    public static Tensor By(Tensor tensor, double factor)
    {
        using var scalar = factor.ToScalar();
        return tensor.mul(scalar);
    }
}
