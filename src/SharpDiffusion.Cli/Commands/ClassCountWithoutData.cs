using SharpDiffusion.Config;
using SharpDiffusion.Data;

namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// The class count a class-conditional config gets when no data is read (dry run, bench): the source's built-in classes,
/// or 1 for a folder, whose subfolders only decide once it is read. Each class adds 4·dim class-embedding parameters.
/// </summary>
internal static class ClassCountWithoutData
{
    /// <summary>The config with <c>model.num_classes</c> filled in; <paramref name="guessed"/> is true when 1 was assumed.</summary>
    public static RunConfig Apply(RunConfig config, out bool guessed)
    {
        guessed = false;
        if (!config.Model.ClassConditional || config.Model.NumClasses > 0) return config;
        var known = DatasetLoader.KnownClassNames(config.Data.Source);
        guessed = known is null;
        return config with { Model = config.Model with { NumClasses = known?.Count ?? 1 } };
    }
}
