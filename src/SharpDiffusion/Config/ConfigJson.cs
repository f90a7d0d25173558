using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SharpDiffusion.Config;

/// <summary>JSON form of <see cref="RunConfig"/>: snake_case keys, kebab-case enum values, unknown keys rejected.</summary>
public static class ConfigJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    /// <summary>
    /// Top-level key of a run's config.json that says which software wrote it (<see cref="Runtime.SoftwareVersions"/>);
    /// a record, not a setting, so <see cref="ConfigLoader"/> ignores it when the file is read back.
    /// </summary>
    public const string SoftwareKey = "software";

    public static string Serialize(RunConfig config) => JsonSerializer.Serialize(config, Options);

    /// <summary>The config as a run's config.json holds it: the settings plus the <see cref="SoftwareKey"/> record.</summary>
    public static string SerializeForRun(RunConfig config, Runtime.SoftwareVersions software)
    {
        var node = ToRecordNode(config);
        node[SoftwareKey] = JsonSerializer.SerializeToNode(software, Options);
        return node.ToJsonString(Options);
    }

    public static JsonObject ToNode(RunConfig config) => JsonSerializer.SerializeToNode(config, Options)!.AsObject();

    /// <summary>A config section's defaults as JSON (<paramref name="section"/> a record with a parameterless constructor).</summary>
    public static JsonObject DefaultsOf(Type section) =>
        JsonSerializer.SerializeToNode(Activator.CreateInstance(section), section, Options)!.AsObject();

    /// <summary>
    /// The config as a run records it: a formulation other than ddpm leaves out the ddpm-only diffusion keys it does not read
    /// (<see cref="DiffusionConfig.DdpmOnlyKeys"/>), so an EDM run's config.json does not show a β schedule it never used.
    /// </summary>
    private static JsonObject ToRecordNode(RunConfig config)
    {
        var node = ToNode(config);
        if (config.Diffusion.Formulation != DiffusionFormulation.Ddpm && node["diffusion"] is JsonObject diffusion)
            foreach (string key in DiffusionConfig.DdpmOnlyKeys) diffusion.Remove(key);
        return node;
    }

    /// <summary>Binds a merged JSON object to the records, turning every binding problem into one sentence naming the key.</summary>
    public static RunConfig FromNode(JsonObject node, string origin)
    {
        try
        {
            return node.Deserialize<RunConfig>(Options) ?? throw new ConfigException($"{origin} is empty.");
        }
        catch (JsonException e)
        {
            string key = KeyOf(e.Path);
            string message = e.Message;
            if (message.Contains("could not be mapped", StringComparison.Ordinal))
            {
                string unknown = e.Message.Split('\'').ElementAtOrDefault(1) ?? key;
                string where = key.Length == 0 ? unknown : $"{key}.{unknown}";
                throw new ConfigException($"{origin}: unknown key '{where}'; check its spelling against configs/demo.json or docs/configuration.md.");
            }
            throw new ConfigException($"{origin}: '{key}' has a value of the wrong type; {ExpectedFor(key)}.");
        }
    }

    private static string KeyOf(string? path) =>
        (path ?? "$").TrimStart('$').TrimStart('.').Replace("['", ".", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal);

    private static string ExpectedFor(string key)
    {
        string leaf = key.Split('.').Last();
        if (leaf.Contains('[', StringComparison.Ordinal)) leaf = leaf[..leaf.IndexOf('[', StringComparison.Ordinal)];
        return leaf switch
        {
            "source" => "use synthetic, folder or fashion-mnist",
            "resize" => "use squash, center-crop or pad",
            "schedule" => "use linear, cosine, sigmoid or table",
            "formulation" => "use ddpm or edm",
            "betas" => "give a list of numbers in (0, 1), one per timestep",
            "objective" => "use eps, x0 or v",
            "precision" => "use fp32 or bf16",
            "optimizer" => "use fused-adam, fused-adamw, adam or adamw",
            "layout" => "use ddpm or reference",
            "dim_mults" or "attention_resolutions" => "give a list of integers such as [1, 2, 4, 8]",
            _ => "give a value like the one in configs/demo.json",
        };
    }
}
