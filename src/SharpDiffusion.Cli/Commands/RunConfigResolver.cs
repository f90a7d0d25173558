using System.Reflection;
using SharpDiffusion.Config;
using SharpDiffusion.Training;

namespace SharpDiffusion.Cli.Commands;

/// <summary>Turns train options into a validated config: base file (or the built-in demo, or the run's own config on --resume) + flags + --set.</summary>
internal static class RunConfigResolver
{
    private const string DemoResource = "SharpDiffusion.Cli.demo.json";

    public static RunConfig Resolve(TrainSettings settings, RunDirectory? resumeRun)
    {
        var overrides = new List<string>();
        if (settings.Data is string data)
        {
            overrides.Add($"data.path={Quote(data)}");
        }
        if (settings.Steps is int steps) overrides.Add($"training.steps={steps}");
        if (settings.Device is string device) overrides.Add($"training.device={Quote(device)}");
        overrides.AddRange(settings.Set);

        string? path = settings.Config;
        if (path is null && resumeRun is not null && File.Exists(resumeRun.ConfigPath)) path = resumeRun.ConfigPath;
        if (path is not null) return WithDataSource(ConfigLoader.Load(path, overrides), settings);
        if (settings.Resume && settings.ResumeFrom is string checkpoint) // a checkpoint continued in a new folder carries its config
            return WithDataSource(ConfigLoader.LoadJson(ConfigJson.Serialize(CheckpointFile.ReadMetadata(checkpoint).Config), $"the config in {checkpoint}", overrides), settings);

        return WithDataSource(ConfigLoader.LoadJson(BuiltInDemo(), "built-in demo config", overrides), settings);
    }

    /// <summary>The demo config compiled into the tool, so <c>ddpm train</c> works from any folder.</summary>
    public static string BuiltInDemo()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(DemoResource)
                           ?? throw new InvalidOperationException("the built-in demo config is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>--data on a synthetic config means "train on this folder instead".</summary>
    private static RunConfig WithDataSource(RunConfig config, TrainSettings settings) =>
        settings.Data is not null && config.Data.Source == DataSource.Synthetic
            ? config with { Data = config.Data with { Source = DataSource.Folder } }
            : config;

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
