using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using SharpDiffusion.Analyzers;

namespace SharpDiffusion.Tests.Analyzers;

/// <summary>
/// SD0001 on snippets compiled against the TorchSharp the library uses: every spelling that leaves a temporary Scalar to the
/// finalizer is reported, and each held form that replaces it is not (docs/architecture.md, "Scalars that live through the
/// native call").
/// </summary>
public sealed class TemporaryScalarAnalyzerTests
{
    [Theory]
    [InlineData("x * 0.5")]
    [InlineData("0.5 * x")]
    [InlineData("1 - x")]
    [InlineData("x / 2")]
    [InlineData("x > 0")]
    [InlineData("x + y")]
    [InlineData("x + S")]
    [InlineData("x.add(y)")]
    [InlineData("x.add_(y)")]
    [InlineData("x.mul(0.5)")]
    [InlineData("x.clamp(-1, 1)")]
    [InlineData("full([2], 3.0)")]
    [InlineData("arange(S)")]
    [InlineData("arange(S, S)")]
    [InlineData("(float)x")]
    [InlineData("x.ToSingle()")]
    [InlineData("x.ToDouble()")]
    public void TemporaryScalar_IsReported(string expression)
    {
        var diagnostics = Analyze($"var r = {expression};");

        Assert.Contains(diagnostics, d => d.Id == TemporaryScalarAnalyzer.Id);
    }

    [Fact]
    public void CompoundAddition_IsReported() =>
        Assert.Contains(Analyze("x += y;"), d => d.Id == TemporaryScalarAnalyzer.Id);

    [Theory]
    [InlineData("x - y")]
    [InlineData("x * y")]
    [InlineData("x / y")]
    [InlineData("x * S")]
    [InlineData("x - S")]
    [InlineData("x.mul(S)")]
    [InlineData("x.add(y, S)")]
    [InlineData("x.add_(S, S)")]
    [InlineData("x.clamp(S, S)")]
    [InlineData("x.clamp(null, S)")]
    [InlineData("full([2], S)")]
    [InlineData("arange(S, S, S)")]
    [InlineData("x.item<float>()")]
    [InlineData("x.square().sqrt().exp()")]
    public void HeldForm_IsNotReported(string expression)
    {
        var diagnostics = Analyze($"var r = {expression};");

        Assert.DoesNotContain(diagnostics, d => d.Id == TemporaryScalarAnalyzer.Id);
    }

    [Fact]
    public void UsingDeclaredScalar_IsNotReported() =>
        Assert.DoesNotContain(Analyze("using var h = 0.5.ToScalar(); var r = x * h;"), d => d.Id == TemporaryScalarAnalyzer.Id);

    /// <summary>Compiles <paramref name="statements"/> inside a method with tensors x, y and a held Scalar S in scope.</summary>
    private static ImmutableArray<Diagnostic> Analyze(string statements)
    {
        string source = $$"""
            using TorchSharp;
            using static TorchSharp.torch;
            static class Snippet
            {
                static readonly Scalar S = 1.0.ToScalar();
                static void Run(Tensor x, Tensor y) { {{statements}} }
            }
            """;
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [CSharpSyntaxTree.ParseText(source)],
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, $"the snippet does not compile: {string.Join("; ", errors)}");
        return compilation
            .WithAnalyzers([new TemporaryScalarAnalyzer()])
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    }

    /// <summary>The running framework's assemblies plus TorchSharp's.</summary>
    private static readonly MetadataReference[] References =
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll")
            .Select(path => MetadataReference.CreateFromFile(path)),
        MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
    ];
}
