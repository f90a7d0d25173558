using SharpDiffusion.Config;
using SharpDiffusion.Data;

namespace SharpDiffusion.Training;

/// <summary>
/// The one place <c>model.num_classes</c> of a class-conditional config is decided: the data's class count when the data is
/// read (training), otherwise the config's own value, the source's built-in classes, or 1 for a folder, whose subfolders only
/// decide once it is read (dry run, bench). An unconditional config is returned as it is.
/// </summary>
public static class ClassCount
{
    /// <summary>The config with <c>model.num_classes</c> set to the number of <paramref name="classNames"/> of the data it trains on.</summary>
    public static RunConfig FromData(RunConfig config, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(classNames);
        return config.Model.ClassConditional ? With(config, classNames.Count) : config;
    }

    /// <summary>The config with <c>model.num_classes</c> filled in without reading data; <paramref name="guessed"/> is true when 1 was assumed.</summary>
    public static RunConfig WithoutData(RunConfig config, out bool guessed)
    {
        ArgumentNullException.ThrowIfNull(config);
        guessed = false;
        if (!config.Model.ClassConditional || config.Model.NumClasses > 0) return config;
        var known = DatasetLoader.KnownClassNames(config.Data.Source);
        guessed = known is null;
        return With(config, known?.Count ?? 1);
    }

    private static RunConfig With(RunConfig config, int classes) => config with { Model = config.Model with { NumClasses = classes } };
}
