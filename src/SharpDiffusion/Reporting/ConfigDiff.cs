using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpDiffusion.Reporting;

/// <summary>One config value that differs from the baseline run; null means the key is absent on that side.</summary>
public sealed record ConfigChange(string Key, string? Baseline, string? Value)
{
    public override string ToString() => $"{Key}={Value ?? "(absent)"}";
}

/// <summary>
/// What an experiment changed: the resolved configs flattened to dotted keys (lists compared as a whole) and compared
/// key by key. <c>name</c> is ignored: every run has its own.
/// </summary>
public static class ConfigDiff
{
    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal) { "name" };

    public static IReadOnlyList<ConfigChange> Between(JsonObject baseline, JsonObject run)
    {
        var a = Flatten(baseline);
        var b = Flatten(run);
        return a.Keys.Union(b.Keys, StringComparer.Ordinal)
            .Where(k => !Ignored.Contains(k))
            .Order(StringComparer.Ordinal)
            .Select(k => new ConfigChange(k, a.GetValueOrDefault(k), b.GetValueOrDefault(k)))
            .Where(c => !string.Equals(c.Baseline, c.Value, StringComparison.Ordinal))
            .ToList();
    }

    /// <summary>Leaves as compact JSON text keyed by their dotted path, e.g. <c>training.lr → 0.0001</c>.</summary>
    public static IReadOnlyDictionary<string, string> Flatten(JsonObject config)
    {
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(config, "", leaves);
        return leaves;
    }

    private static void Walk(JsonNode? node, string prefix, Dictionary<string, string> leaves)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj) Walk(child, prefix.Length == 0 ? key : prefix + "." + key, leaves);
            return;
        }
        leaves[prefix] = Canonical(node);
    }

    /// <summary>JSON text in which equal numbers are equal text (1e-4 and 0.0001 both become 0.0001).</summary>
    private static string Canonical(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray array => "[" + string.Join(",", array.Select(Canonical)) + "]",
        JsonValue value when value.GetValueKind() == JsonValueKind.Number =>
            value.GetValue<double>().ToString("R", CultureInfo.InvariantCulture).ToLowerInvariant(),
        _ => node.ToJsonString(),
    };
}
