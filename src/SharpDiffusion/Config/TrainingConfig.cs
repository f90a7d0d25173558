namespace SharpDiffusion.Config;

public sealed record TrainingConfig
{
    /// <summary>Optimizer steps in the whole run.</summary>
    public int Steps { get; init; } = 100_000;

    public int BatchSize { get; init; } = 64;

    /// <summary>Adam learning rate after warm-up.</summary>
    public double Lr { get; init; } = 1e-4;

    /// <summary>Steps of linear learning-rate warm-up from 0 (0 = none).</summary>
    public int WarmupSteps { get; init; }

    /// <summary>fused-adam (default), fused-adamw, adam or adamw; see <see cref="OptimizerKind"/>.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.FusedAdam;

    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.99;
    public double WeightDecay { get; init; }

    /// <summary>Clip the global gradient L2 norm to this (0 = no clipping).</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>
    /// EMA decay β (0.995 in the reference): the constant decay when <see cref="EmaWarmup"/> is false, else the cap of the
    /// warm-up decay.
    /// </summary>
    public double EmaDecay { get; init; } = 0.995;

    /// <summary>Update the EMA every this many steps.</summary>
    public int EmaEvery { get; init; } = 10;

    /// <summary>Before this step the EMA simply copies the weights.</summary>
    public int EmaStart { get; init; } = 100;

    /// <summary>
    /// EMA warm-up as ema-pytorch (and so the reference code) has it: β = min(ema_decay, 1 − (1 + e/ema_inv_gamma)^−ema_power),
    /// e = steps since ema_start, so the average follows a fast-improving model early and settles to ema_decay later. On by
    /// default, also for configs and checkpoints written before the key existed; false gives the constant ema_decay.
    /// </summary>
    public bool EmaWarmup { get; init; } = true;

    /// <summary>Warm-up γ⁻¹: e is divided by it (1 in ema-pytorch).</summary>
    public double EmaInvGamma { get; init; } = 1;

    /// <summary>Warm-up power p (2/3 in ema-pytorch: β = 0.999 after 31.6k steps; 3/4, its advice for shorter runs: after 10k).</summary>
    public double EmaPower { get; init; } = 2.0 / 3;

    /// <summary>Write a log.csv row every this many steps.</summary>
    public int LogEvery { get; init; } = 50;

    public int CheckpointEvery { get; init; } = 1000;

    /// <summary>Keep this many newest checkpoints (0 = keep all).</summary>
    public int KeepLast { get; init; } = 5;

    /// <summary>Save an EMA sample grid every this many steps (0 = only at the end).</summary>
    public int SampleEvery { get; init; } = 1000;

    public int SampleCount { get; init; } = 16;

    /// <summary>DDIM steps for the periodic sample grids.</summary>
    public int SampleSteps { get; init; } = 50;

    /// <summary>
    /// Classifier-free guidance weight w for the sample grids of a class-conditional model, whose grid rows each show
    /// one class (0 = the plain conditional model). Unconditional models ignore it.
    /// </summary>
    public double SampleGuidance { get; init; } = 1;

    /// <summary>Stop the run after this many consecutive steps with a NaN/Inf loss or gradient (each such step is skipped).</summary>
    public int MaxBadSteps { get; init; } = 20;

    /// <summary>fp32, or bf16 forward/backward with fp32 master weights (needs a fused optimizer).</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>cpu, cuda or auto.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Seconds between rows of the run's resources.csv (GPU, CPU, memory; Monitoring/ResourceMonitor); 0 = off.</summary>
    public double MonitorIntervalS { get; init; } = 5;
}
