using System.Text.Json.Nodes;
using SharpDiffusion.Config;

namespace SharpDiffusion.Tests.Config;

/// <summary>
/// Seeded fuzzing of config JSON (issue 7 item 6): whatever the mutation, ConfigLoader either returns a config that passed
/// validation or throws ConfigException, never another exception type. Mutations that are invalid by construction
/// (unknown key, wrong type, wrong enum, broken JSON, nesting deeper than the parser allows) must be rejected.
/// </summary>
public sealed class ConfigFuzzTests
{
    private const int Mutations = 200;

    private static readonly string ValidJson = ConfigJson.Serialize(new RunConfig
    {
        Name = "fuzz",
        Data = new DataConfig { ImageSize = 16, SyntheticCount = 64 },
        Model = new ModelConfig { Dim = 16, DimMults = [1, 2], AttentionResolutions = [] },
        Training = new TrainingConfig { Steps = 20, BatchSize = 4 },
    });

    /// <summary>Replacement values for a leaf: other types, out-of-range and huge numbers, bad enums, deep nesting.</summary>
    private static readonly Func<JsonNode?>[] Replacements =
    [
        () => JsonValue.Create("not-a-value"), () => JsonValue.Create(true), () => null, () => JsonValue.Create(-1),
        () => JsonValue.Create(0), () => JsonValue.Create(1e308), () => JsonValue.Create(-1e308), () => JsonValue.Create(long.MaxValue),
        () => JsonValue.Create(2.5), () => new JsonArray(), () => new JsonObject(), () => new JsonArray(1, "x", null),
        () => JsonValue.Create(new string('x', 100_000)), () => JsonNode.Parse(new string('[', 60) + new string(']', 60)),
    ];

    [Fact]
    public void MutatedConfigs_LoadOrThrowConfigException()
    {
        var random = new Random(20261126);
        int rejected = 0;
        for (int i = 0; i < Mutations; i++)
        {
            var root = (JsonObject)JsonNode.Parse(ValidJson)!;
            var leaves = Leaves(root).ToList();
            var (parent, key) = leaves[random.Next(leaves.Count)];
            string description;
            switch (random.Next(4))
            {
                case 0:
                    int r = random.Next(Replacements.Length);
                    parent[key] = Replacements[r]();
                    description = $"{key} := replacement {r}";
                    break;
                case 1:
                    parent.Remove(key);
                    description = $"remove {key}";
                    break;
                case 2:
                    parent[key] = JsonValue.Create(random.Next(2) == 0 ? random.NextDouble() * 1e12 : -random.Next());
                    description = $"{key} := random number";
                    break;
                default:
                    parent["zz_unknown_" + i] = 1;
                    description = $"unknown key beside {key}";
                    break;
            }
            if (TryLoad(root.ToJsonString(), description)) continue;
            rejected++;
        }
        // Most mutations break the config; if almost none were rejected the fuzzer would be testing nothing.
        Assert.InRange(rejected, Mutations / 2, Mutations);
    }

    [Fact]
    public void InvalidByConstruction_AlwaysRejected()
    {
        var random = new Random(7);
        for (int i = 0; i < Mutations; i++)
        {
            var root = (JsonObject)JsonNode.Parse(ValidJson)!;
            var leaves = Leaves(root).Where(l => l.Parent[l.Key] is JsonValue).ToList();
            var (parent, key) = leaves[random.Next(leaves.Count)];
            string json;
            switch (i % 5)
            {
                case 0: // unknown key at a random level
                    parent["no_such_key"] = 1;
                    json = root.ToJsonString();
                    break;
                case 1: // an object where a scalar belongs
                    parent[key] = new JsonObject { ["a"] = 1 };
                    json = root.ToJsonString();
                    break;
                case 2: // text cut at a random point
                    json = ValidJson[..random.Next(1, ValidJson.Length - 1)];
                    break;
                case 3: // nesting deeper than System.Text.Json's default limit of 64
                    parent[key] = JsonNode.Parse("1");
                    json = root.ToJsonString().Replace("\"fuzz\"", new string('[', 100 + random.Next(5000)) + new string(']', 100), StringComparison.Ordinal);
                    break;
                default: // a random byte overwritten with a character JSON never allows outside strings
                    char[] text = ValidJson.ToCharArray();
                    int at = random.Next(text.Length);
                    text[at] = text[at] == '"' ? '#' : '\u0001';
                    json = new string(text);
                    if (json == ValidJson) continue;
                    break;
            }
            // A control character inside a string value is also invalid JSON, so every case here must be refused.
            Assert.False(TryLoad(json, $"case {i % 5} at {key}"), $"case {i % 5} at {key} was accepted");
        }
    }

    [Fact]
    public void WrongEnumValues_AreRejectedWithTheKeyNamed()
    {
        foreach (string key in new[] { "schedule", "objective" })
        {
            var root = (JsonObject)JsonNode.Parse(ValidJson)!;
            root["diffusion"]![key] = "no-such-choice";
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadJson(root.ToJsonString(), "fuzz"));
            Assert.Contains(key, e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>True when the text loaded; false when it threw ConfigException; any other exception fails the test with the mutation named.</summary>
    private static bool TryLoad(string json, string description)
    {
        try
        {
            ConfigLoader.LoadJson(json, "fuzz");
            return true;
        }
        catch (ConfigException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"mutation '{description}' threw {e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    private static IEnumerable<(JsonObject Parent, string Key)> Leaves(JsonObject node)
    {
        foreach (var (key, value) in node.ToList())
        {
            if (value is JsonObject child)
                foreach (var leaf in Leaves(child)) yield return leaf;
            else
                yield return (node, key);
        }
    }
}
