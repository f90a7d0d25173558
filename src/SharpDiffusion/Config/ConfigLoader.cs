using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpDiffusion.Config;

/// <summary>
/// Loads a config file, resolving <c>"extends": "other.json"</c> (a path relative to the file; the child's keys win,
/// objects merge key by key, lists are replaced), then applies <c>--set key=value</c> overrides and validates.
/// </summary>
public static class ConfigLoader
{
    private const string ExtendsKey = "extends";
    private const int MaxDepth = 16;

    public static RunConfig Load(string? path, IEnumerable<string>? overrides = null)
    {
        JsonObject node = path is null ? ConfigJson.ToNode(new RunConfig()) : ReadResolved(Path.GetFullPath(path), 0);
        return Finish(node, path ?? "default config", overrides);
    }

    /// <summary>Like <see cref="Load"/> for JSON text (e.g. a config compiled into the tool); <c>extends</c> is relative to the working folder.</summary>
    public static RunConfig LoadJson(string json, string origin, IEnumerable<string>? overrides = null) =>
        Finish(Resolve(ParseObject(json, origin), Path.GetFullPath("."), origin, 0), origin, overrides);

    private static RunConfig Finish(JsonObject node, string origin, IEnumerable<string>? overrides)
    {
        var sets = (overrides ?? []).ToList();
        // An optional section (model.autoencoder, …) holds only the keys its file names; binding the file once fills in the
        // section's defaults, so --set reaches every key of every section the config has.
        if (sets.Count > 0) node = ConfigJson.ToNode(ConfigJson.FromNode(node, origin));
        foreach (string assignment in sets) ApplySet(node, assignment);
        if (sets.Count > 0) origin += " with --set";
        var config = ConfigJson.FromNode(node, origin);
        ConfigValidator.ThrowIfInvalid(config, origin);
        return config;
    }

    /// <summary>Applies one <c>key.path=value</c>; the value is JSON when it parses as JSON, else a string.</summary>
    public static void ApplySet(JsonObject root, string assignment)
    {
        int eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0) throw new ConfigException($"--set '{assignment}' must look like key=value, e.g. training.lr=2e-5.");
        string key = assignment[..eq].Trim();
        string text = assignment[(eq + 1)..].Trim();
        string[] parts = key.Split('.');
        JsonObject target = root;
        Type? section = typeof(RunConfig);
        foreach (string part in parts[..^1])
        {
            section = SectionType(section, part);
            if (target[part] is not JsonObject child)
            {
                // An optional section the file leaves out (diffusion.edm, data.augment, …): setting one of its keys
                // creates it with its defaults, as writing that one key into the file would.
                if (section is null || target[part] is not null)
                    throw new ConfigException($"--set: unknown key '{key}'; sections are data, model, diffusion and training.");
                child = ConfigJson.DefaultsOf(section);
                target[part] = child;
            }
            target = child;
        }
        if (!target.ContainsKey(parts[^1]))
            throw new ConfigException($"--set: unknown key '{key}'; check its spelling against configs/demo.json or docs/configuration.md.");
        target[parts[^1]] = ParseValue(text);
    }

    /// <summary>The record type of the section <paramref name="jsonName"/> of <paramref name="parent"/>; null when it is not a record.</summary>
    private static Type? SectionType(Type? parent, string jsonName)
    {
        if (parent is null) return null;
        var property = ConfigJson.Options.GetTypeInfo(parent).Properties.FirstOrDefault(p => p.Name == jsonName);
        if (property is null) return null;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type.IsClass && type != typeof(string) && type.GetConstructor(Type.EmptyTypes) is not null && !type.IsArray ? type : null;
    }

    private static JsonNode? ParseValue(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static JsonObject ReadResolved(string path, int depth)
    {
        if (depth > MaxDepth) throw new ConfigException($"{path}: 'extends' chain is deeper than {MaxDepth} files; is there a cycle?");
        if (!File.Exists(path)) throw new ConfigException($"config file {path} does not exist; pass an existing file to --config.");
        return Resolve(ParseObject(File.ReadAllText(path), path), Path.GetDirectoryName(path)!, path, depth);
    }

    private static JsonObject ParseObject(string json, string origin)
    {
        try
        {
            return JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                   ?? throw new ConfigException($"{origin} must hold a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{origin} is not valid JSON (line {e.LineNumber + 1}): fix the syntax error there.");
        }
    }

    /// <summary>Merges <paramref name="node"/> onto its <c>extends</c> parent (recursively) or onto the defaults.</summary>
    private static JsonObject Resolve(JsonObject node, string baseDir, string origin, int depth)
    {
        node.Remove(ConfigJson.SoftwareKey); // written into a run's config.json by the tool; says what wrote it, sets nothing
        if (!node.Remove(ExtendsKey, out JsonNode? parentRef)) return MergeOnto(ConfigJson.ToNode(new RunConfig()), node);
        string parentPath = parentRef?.GetValueKind() == JsonValueKind.String
            ? Path.GetFullPath(Path.Combine(baseDir, parentRef.GetValue<string>()))
            : throw new ConfigException($"{origin}: 'extends' must be a file name string.");
        return MergeOnto(ReadResolved(parentPath, depth + 1), node);
    }

    /// <summary>Deep merge: objects merge recursively, anything else (values, lists) replaces.</summary>
    private static JsonObject MergeOnto(JsonObject target, JsonObject overrides)
    {
        foreach (var (key, value) in overrides.ToList())
        {
            if (value is JsonObject obj && target[key] is JsonObject existing) MergeOnto(existing, obj);
            else target[key] = value?.DeepClone();
        }
        return target;
    }

}
