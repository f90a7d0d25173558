using SharpDiffusion.Experiments;

namespace SharpDiffusion.Cluster;

/// <summary>
/// What the SLURM scripts run: the sweep's runs, the tool command (absolute, since jobs start in another environment),
/// and the arguments every task passes on to <c>ddpm sweep</c>.
/// </summary>
/// <param name="Runs">One array task per run, in this order.</param>
/// <param name="OutRoot">Absolute folder holding the run folders (the sweep's --out).</param>
/// <param name="Tool">The words that start the ddpm tool, e.g. ["/usr/bin/dotnet", "/opt/ddpm/ddpm.dll"] or ["/opt/ddpm/ddpm"].</param>
/// <param name="DataDir">The sweep's --data, or null.</param>
/// <param name="Overrides">The sweep's --set values.</param>
/// <param name="LogDir">Absolute folder for the jobs' stdout/stderr files.</param>
/// <param name="EvalCommand">
/// The ddpm arguments the evaluation job runs for each run folder, with <c>{run}</c> standing for the folder
/// (shell syntax, inserted into the script as written). See <see cref="SlurmScripts.DefaultEvalCommand"/>.
/// </param>
/// <param name="Upscaler">A cascade's second stage (<c>ddpm slurm --then</c>): trained after the runs, then each run is
/// evaluated as the base of the cascade; null: no upscaler.</param>
/// <param name="CascadeEvalCommand">
/// The ddpm arguments the cascade evaluation job runs for each run folder, with <c>{run}</c> and <c>{upscaler}</c>
/// standing for the base's and the upscaler's folders. See <see cref="SlurmScripts.DefaultCascadeEvalCommand"/>.
/// </param>
public sealed record SlurmJobPlan(
    IReadOnlyList<SweepRun> Runs,
    string OutRoot,
    IReadOnlyList<string> Tool,
    string? DataDir,
    IReadOnlyList<string> Overrides,
    string LogDir,
    string EvalCommand,
    SweepRun? Upscaler = null,
    string CascadeEvalCommand = SlurmScripts.DefaultCascadeEvalCommand);
