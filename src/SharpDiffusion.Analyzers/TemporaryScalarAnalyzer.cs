using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SharpDiffusion.Analyzers;

/// <summary>
/// SD0001: a TorchSharp <c>Scalar</c> made for one native call and then left to the garbage collector.
/// <para>
/// TorchSharp (0.107, and its main branch in 2026) frees a Scalar's native object in its finalizer. Once the Scalar's handle
/// has been passed to libtorch nothing in managed code references it, so a collection on another thread can finalize it
/// while the native call still reads it: "Expected false to be true … toFloat/toDouble", rarely, in long loops (DDPM-1000
/// sampling crashed after ~5 minutes on 500 images). Four spellings make such a Scalar:
/// </para>
/// <list type="bullet">
/// <item>an implicit conversion to Scalar in our code (<c>x.clamp(-1, 1)</c>, <c>x.mul(0.5)</c>);</item>
/// <item>a Tensor operator with a number operand (<c>x * 0.5</c>, <c>1 - x</c>, <c>x &gt; 0</c>): TorchSharp converts inside;</item>
/// <item><c>tensor + tensor</c> and <c>tensor + Scalar</c>: TorchSharp's <c>add(other)</c> is <c>add(other, 1)</c>, a temporary α;</item>
/// <item><c>add</c>/<c>add_</c> called with one argument, for the same reason, and <c>arange</c> with fewer than three
/// bounds (TorchSharp fills in a temporary start 0 and step 1);</item>
/// <item>a tensor read through a Scalar: <c>(float)t</c>, <c>t.ToSingle()</c>, <c>t.ToDouble()</c>… are
/// <c>t.ToScalar().ToSingle()</c>, a Scalar dropped while its value is read (<c>t.item&lt;float&gt;()</c> reads the data).</item>
/// </list>
/// The fix is a Scalar that outlives the call: a static one (<c>Scaled.One</c>) or <c>using var s = c.ToScalar()</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TemporaryScalarAnalyzer : DiagnosticAnalyzer
{
    public const string Id = "SD0001";

    private static readonly DiagnosticDescriptor Rule = new(
        Id,
        "Temporary TorchSharp Scalar",
        "{0} makes a Scalar that only the finalizer frees, possibly during the native call; hold it: a static Scalar of "
        + "the literal's type, 'using var s = value.ToScalar()', or 'a.Plus(b)' (Sampling/Scaled) for tensor + tensor",
        "Reliability",
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: null,
        customTags: []);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Rule];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var scalar = start.Compilation.GetTypeByMetadataName("TorchSharp.Scalar");
            var tensor = start.Compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
            if (scalar is null || tensor is null)
                return;
            var types = new TorchTypes(scalar, tensor);
            start.RegisterOperationAction(c => CheckConversion(c, types), OperationKind.Conversion);
            start.RegisterOperationAction(c => CheckOperator(c, types), OperationKind.Binary, OperationKind.CompoundAssignment);
            start.RegisterOperationAction(c => CheckInvocation(c, types), OperationKind.Invocation);
        });
    }

    private sealed class TorchTypes(INamedTypeSymbol scalar, INamedTypeSymbol tensor)
    {
        public bool IsScalar(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, scalar);

        public bool IsTensor(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, tensor);
    }

    private static void CheckConversion(OperationAnalysisContext context, TorchTypes types)
    {
        var conversion = (IConversionOperation)context.Operation;
        if (types.IsTensor(conversion.OperatorMethod?.ContainingType))
        {
            Report(context, conversion.Syntax, $"'{conversion.Syntax}' (a read through Tensor.ToScalar(); item<T>() reads the data)");
            return;
        }
        if (!conversion.IsImplicit || !types.IsScalar(conversion.Type) || types.IsScalar(conversion.Operand.Type))
            return;
        if (conversion.Operand.ConstantValue.HasValue && conversion.Operand.ConstantValue.Value is null)
            return; // a null Scalar? argument: no Scalar is made
        Report(context, conversion.Syntax, $"The number '{conversion.Operand.Syntax}' passed as a Scalar");
    }

    private static void CheckOperator(OperationAnalysisContext context, TorchTypes types)
    {
        var method = context.Operation switch
        {
            IBinaryOperation binary => binary.OperatorMethod,
            ICompoundAssignmentOperation compound => compound.OperatorMethod,
            _ => null,
        };
        if (method is null || !types.IsTensor(method.ContainingType))
            return;
        var numberOperand = method.Parameters.Any(p => !types.IsTensor(p.Type) && !types.IsScalar(p.Type));
        var addition = method.Name == WellKnownMemberNames.AdditionOperatorName;
        if (numberOperand)
            Report(context, context.Operation.Syntax, $"The operator in '{context.Operation.Syntax}' with a number operand");
        else if (addition)
            Report(context, context.Operation.Syntax, $"The + in '{context.Operation.Syntax}' (add's α = 1)");
    }

    private static void CheckInvocation(OperationAnalysisContext context, TorchTypes types)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.ContainingType.Name == "TensorExtensionMethods" && ReadsThroughScalar.Contains(method.Name))
            Report(context, invocation.Syntax, $"'{invocation.Syntax}' (a read through Tensor.ToScalar(); item<T>() reads the data)");
        else if (method.Name == "arange" && method.Parameters.Count(p => types.IsScalar(p.Type)) < 3
                 && method.ContainingNamespace.ToDisplayString() == "TorchSharp")
            Report(context, invocation.Syntax, $"'{invocation.Syntax}' (arange's start 0 and step 1; pass all three held)");
        else if (types.IsTensor(method.ContainingType) && method.Parameters.Length == 1 && method.Name is "add" or "add_")
            Report(context, invocation.Syntax, $"'{invocation.Syntax}' (add's α = 1)");
    }

    /// <summary>TorchSharp's TensorExtensionMethods that are <c>tensor.ToScalar().ToX()</c>.</summary>
    private static readonly ImmutableHashSet<string> ReadsThroughScalar =
    [
        "ToSingle", "ToDouble", "ToSByte", "ToByte", "ToInt16", "ToInt32", "ToInt64", "ToBoolean", "ToHalf", "ToBFloat16",
        "ToComplexFloat32", "ToComplexFloat64", "ToComplex32", "ToComplex64",
    ];

    private static void Report(OperationAnalysisContext context, SyntaxNode node, string what) =>
        context.ReportDiagnostic(Diagnostic.Create(Rule, node.GetLocation(), what));
}
