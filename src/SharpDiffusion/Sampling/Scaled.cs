using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// Tensor arithmetic whose <see cref="Scalar"/>s live until the native call returns. TorchSharp frees a Scalar only in its
/// finalizer (dotnet/TorchSharp PR #1434, open), and once the handle of a temporary one is passed to libtorch nothing
/// references it: a collection on another thread can free it mid-call ("Expected false to be true … toDouble/toFloat",
/// seen in DDPM-1000 sampling after ~5 minutes). Temporaries hide in <c>x * 0.5</c>, <c>x.clamp(-1, 1)</c> and in every
/// <c>a + b</c>, because TorchSharp's <c>add(other)</c> is <c>add(other, 1)</c>. The library's analyzer (SD0001,
/// src/SharpDiffusion.Analyzers) refuses those spellings; the held forms are a static Scalar, <c>using var s =
/// value.ToScalar()</c>, and <see cref="Plus(Tensor, Tensor)"/> for addition.
/// </summary>
internal static class Scaled
{
    /// <summary>Clamp bounds and addends that live for the whole process (a static root is never finalized).</summary>
    public static readonly Scalar MinusOne = (-1.0).ToScalar();

    public static readonly Scalar One = 1.0.ToScalar();

    /// <summary>
    /// The α of <c>a + b</c>: the integer 1, as TorchSharp's own <c>add(other)</c> passes it (an integral tensor refuses a
    /// floating-point α; for float tensors α = 1 is exact either way).
    /// </summary>
    private static readonly Scalar UnitAlpha = 1.ToScalar();

    /// <summary><c>a + b</c> (tensor or held Scalar) with α held: the same kernel and result as TorchSharp's operator.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, UnitAlpha);

    /// <inheritdoc cref="Plus(Tensor, Tensor)"/>
    public static Tensor Plus(this Tensor a, Scalar b) => a.add(b, UnitAlpha);

    /// <summary><c>a += b</c> in place (<c>add_(b)</c>) with α held.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, UnitAlpha);

    /// <inheritdoc cref="PlusInPlace(Tensor, Tensor)"/>
    public static Tensor PlusInPlace(this Tensor a, Scalar b) => a.add_(b, UnitAlpha);

    /// <summary>tensor + 1 with both Scalars held (ResNet scale-shift's <c>1 + scale</c>).</summary>
    public static Tensor PlusOne(Tensor tensor) => tensor.add(One, UnitAlpha);

    public static Tensor By(Tensor tensor, double factor)
    {
        using var scalar = factor.ToScalar();
        return tensor.mul(scalar);
    }
}
