using SharpDiffusion.Config;
using SharpDiffusion.Training;

namespace SharpDiffusion.Experiments;

/// <summary>One config of a sweep and the run folder it trains into (<c>&lt;out&gt;/&lt;config name&gt;</c>).</summary>
public sealed record SweepRun(string ConfigPath, RunConfig Config, RunDirectory Run)
{
    public string Name => Config.Name;
}
