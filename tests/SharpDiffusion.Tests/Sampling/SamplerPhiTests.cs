using SharpDiffusion.Sampling;

namespace SharpDiffusion.Tests.Sampling;

/// <summary>The λ-space coefficients: known limits, the closed forms, and no jump where the series hands over.</summary>
public class SamplerPhiTests
{
    [Theory]
    [InlineData(1e-12)]
    [InlineData(1e-3)]
    [InlineData(0.3)]
    [InlineData(-0.49)]
    [InlineData(2.0)]
    [InlineData(-5.0)]
    public void ExpMinusOne_MatchesTheDefinitionToRelativePrecision(double x)
    {
        // Reference: e^x − 1 summed in decimal arithmetic (28 significant digits) from its Taylor series.
        decimal term = 1, sum = 0, dx = (decimal)x;
        for (int n = 1; n < 60; n++)
        {
            term *= dx / n;
            sum += term;
        }
        Assert.Equal(1.0, Phi.ExpMinusOne(x) / (double)sum, 1e-14);
    }

    [Fact]
    public void CorrectorRhs_SmallStep_ApproachesTheAdamsMoultonLimit()
    {
        // As h → 0 with B(h) = e^(−h) − 1: b₁ → 1/2, b₂ → 1/3, which with r = −1 gives ρ = (1/12, 5/12): the third-order
        // Adams–Moulton weights (5/12, 8/12, −1/12) once the x̂₀(s) term is added.
        var (b1, b2) = Phi.CorrectorRhs(1e-9);
        Assert.Equal(0.5, b1, 1e-9);
        Assert.Equal(1.0 / 3, b2, 1e-9);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(3.0)]
    public void CorrectorRhs_LargeStep_EqualsTheClosedForm(double h)
    {
        // b₁ = ((e^(−h) − 1)/(−h) − 1)/(e^(−h) − 1), b₂ = 2·(((e^(−h) − 1)/(−h) − 1)/(−h) − ½)/(e^(−h) − 1).
        double bh = Math.Exp(-h) - 1, g1 = bh / -h - 1, g2 = g1 / -h - 0.5;
        var (b1, b2) = Phi.CorrectorRhs(h);
        Assert.Equal(g1 / bh, b1, 1e-12);
        Assert.Equal(2 * g2 / bh, b2, 1e-12);
    }

    [Fact]
    public void CorrectorRhs_IsContinuousWhereTheSeriesHandsOver()
    {
        var below = Phi.CorrectorRhs(0.5 - 1e-9);
        var above = Phi.CorrectorRhs(0.5 + 1e-9);
        Assert.Equal(below.B1, above.B1, 1e-8);
        Assert.Equal(below.B2, above.B2, 1e-8);
    }
}
