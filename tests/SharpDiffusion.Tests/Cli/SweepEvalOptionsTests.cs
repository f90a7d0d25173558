using SharpDiffusion.Cli.Commands;
using SharpDiffusion.Experiments;
using SharpDiffusion.Sampling;

namespace SharpDiffusion.Tests.Cli;

/// <summary>
/// <c>ddpm sweep --eval</c>'s <c>--eval-…</c> options, parsed in-process: they reach the <see cref="EvalSettings"/> each run
/// is evaluated with exactly as <c>ddpm eval</c>'s options of the same names do, an unnamed sampler is each run's own, and
/// without <c>--eval</c> they are refused. Nothing is trained here (<see cref="CliSweepEvalTests"/> runs a sweep).
/// </summary>
public sealed class SweepEvalOptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-sweep-eval-options-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private SweepRun Planned(string name, string json)
    {
        string path = Path.Combine(_dir, name + ".json");
        File.WriteAllText(path, json);
        return Assert.Single(SweepCommand.Plan([path], Path.Combine(_dir, "runs"), new TrainSettings()));
    }

    private SweepRun Ddpm() => Planned("ddpm", """{ "name": "ddpm", "data": { "source": "synthetic" } }""");

    private SweepRun Edm() => Planned("edm", """{ "name": "edm", "data": { "source": "synthetic" }, "diffusion": { "formulation": "edm" } }""");

    private static SweepSettings Sweep(params string[] args) => new SweepCommand(CancellationToken.None) is var command
        ? command.Settings(command.Parse(["--configs", "unused.json", .. args]))
        : throw new InvalidOperationException();

    private static SweepEvalStage EvalStage(SweepSettings settings) => Assert.IsType<SweepEvalStage>(Assert.Single(settings.AfterTraining));

    [Fact]
    public void Settings_EveryEvalOption_ReachesTheRunsEvalSettingsAsEvalsOwnOptionDoes()
    {
        string[] values = ["checkpoints", "2,4", "n", "500", "sampler", "dpm-solver++", "steps", "50", "spacing", "trailing", "metrics", "fd,kid",
            "guidance", "1.5", "batch", "16", "seed", "7", "reference", "test"];
        string[] Named(string prefix) => [.. values.Select((v, i) => i % 2 == 0 ? prefix + v : v)];
        var run = Ddpm();

        var settings = EvalStage(Sweep(["--eval", .. Named("--eval-")])).SettingsFor(run);
        var eval = new EvalCommand(CancellationToken.None) is var command ? command.Settings(command.Parse(["--run", run.Run.Root, .. Named("--")])) : null!;

        Assert.Equal(new EvalProtocolSettings("2,4", 500, "fd,kid", "dpm-solver++", 50, "trailing", 1.5, 16, 7, "test", "--eval-"), settings.Protocol);
        Assert.Equal(eval.Protocol with { OptionPrefix = "--eval-" }, settings.Protocol);
        Assert.Equal((run.Run.Root, "auto"), (settings.Run, settings.Device));
        Assert.Equal(eval with { Protocol = settings.Protocol, Cascade = null }, settings); // every other setting as eval has it by default (no --upscale)
    }

    [Fact]
    public void Settings_NoEvalOptions_EveryCheckpointWithTheReferenceProtocol()
    {
        var protocol = EvalStage(Sweep("--eval")).SettingsFor(Ddpm()).Protocol;

        Assert.Equal(new EvalProtocolSettings("all", 2500, "fd,is,kid,pr,memorization", null, null, "auto", 0, 64, 0, null, "--eval-"), protocol);
    }

    [Fact]
    public void EvalStage_NoSamplerNamed_EvaluatesWithTheRunsOwnSamplerAsEvalDoes()
    {
        var stage = EvalStage(Sweep("--eval", "--eval-n", "500"));
        var edm = Edm();
        var ddpm = Ddpm();

        Assert.Null(stage.SettingsFor(edm).Protocol.Sampler); // EvalRunner then resolves it from the run's checkpoint
        // Resolved as ddpm eval resolves it: the formulation's sampler and spacing, the reference protocol's 250 steps.
        Assert.Equal(new SamplingPlan("heun", 250, TimestepSpacing.Karras), stage.SettingsFor(edm).Protocol.PlanFor(edm.Config));
        Assert.Equal(new SamplingPlan("ddim", 250, TimestepSpacing.Leading), stage.SettingsFor(ddpm).Protocol.PlanFor(ddpm.Config));
        Assert.Equal("evaluating every checkpoint (500 samples, heun 250 steps (karras), seed 0, fd,is,kid,pr,memorization against the training images)", stage.Describe(edm));
        Assert.Equal("evaluating every checkpoint (500 samples, ddim 250 steps (leading), seed 0, fd,is,kid,pr,memorization against the training images)", stage.Describe(ddpm));
    }

    [Fact]
    public void EvalStage_SamplerNamed_EvaluatesEveryRunWithIt()
    {
        var stage = EvalStage(Sweep("--eval", "--eval-sampler", "ddim", "--eval-steps", "20", "--eval-checkpoints", "latest", "--eval-reference", "test"));
        var edm = Edm();

        Assert.Equal("ddim", stage.SettingsFor(edm).Protocol.Sampler);
        Assert.Equal(new SamplingPlan("ddim", 20, TimestepSpacing.Karras), stage.SettingsFor(edm).Protocol.PlanFor(edm.Config)); // no DDPM table: Karras σ's
        Assert.Equal("evaluating the latest checkpoint (2,500 samples, ddim 20 steps (karras), seed 0, fd,is,kid,pr,memorization against the test split)", stage.Describe(edm));
    }

    [Fact]
    public void CascadeStage_EvalOptions_ApplyToTheLatestCheckpointOfEachBase()
    {
        var settings = Sweep("--eval", "--eval-n", "300", "--eval-steps", "40", "--eval-checkpoints", "all", "--eval-seed", "3");
        var cascade = Assert.IsType<SweepCascadeEvalStage>(Assert.Single(settings.AfterUpscaler("runs/sr"))).SettingsFor(Ddpm());

        Assert.Equal(("latest", 300, 40, 3L), (cascade.Protocol.Checkpoints, cascade.Protocol.N, cascade.Protocol.Steps, cascade.Protocol.Seed));
        Assert.Equal("runs/sr", cascade.Cascade?.Upscale);
    }

    [Theory]
    [InlineData("error: --eval-n sets how the runs are evaluated, which only --eval does; add --eval or leave it out.", "--eval-n", "500")]
    [InlineData("error: --eval-steps, --eval-reference set how the runs are evaluated, which only --eval does; add --eval or leave them out.", "--eval-steps", "50", "--eval-reference", "test")]
    [InlineData("error: --extractor, --inception-weights set how the runs are evaluated, which only --eval does; add --eval or leave them out.", "--extractor", "resnet18", "--inception-weights", "w.pth")]
    public void Settings_EvalOptionWithoutEval_RefusedNamingIt(string message, params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => Sweep(args));
        Assert.Equal(message, "error: " + e.Message);
    }

    [Fact]
    public void Check_MessagesNamingEvalsOptions_NameTheSweepsOnes()
    {
        var sweep = new EvalProtocolSettings("all", 2500, "fd", null, null, "auto", 0, 64, 0, null, "--eval-");
        foreach (var option in new EvalProtocolOptions("--", "latest").All)
        {
            var e = Assert.Throws<UsageException>(() => sweep.Check(() => throw new UsageException($"{option.Name} 5, --upscale-steps 2 (--autoguidance, --n-th): bad.")));
            Assert.Equal($"--eval-{option.Name[2..]} 5, --upscale-steps 2 (--autoguidance, --n-th): bad.", e.Message);
        }

        var eval = sweep with { OptionPrefix = "--" };
        Assert.Equal("--steps 5: bad.", Assert.Throws<UsageException>(() => eval.Check(() => throw new UsageException("--steps 5: bad."))).Message);
    }
}
