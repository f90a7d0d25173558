using System.Text.Json;
using System.Text.Json.Serialization;

namespace SharpDiffusion.Evaluation;

/// <summary>The JSON spelling of evaluation entries (snake_case, nulls kept), shared by evaluation_results.json and <c>ddpm eval --json</c>.</summary>
public static class EvaluationJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
