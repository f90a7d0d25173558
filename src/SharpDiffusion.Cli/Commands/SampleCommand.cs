using System.Globalization;
using SharpDiffusion.Data;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Models;
using SharpDiffusion.Runtime;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

internal sealed class SampleCommand : Command<SampleSettings>
{
    protected override int Execute(CommandContext context, SampleSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Run is null && settings.Checkpoint is null) throw new UsageException("sample needs --run DIR (or --checkpoint FILE).");
        if (settings.N < 1) throw new UsageException("--n must be at least 1.");
        if (settings.Batch < 1) throw new UsageException("--batch must be at least 1.");
        if (settings.Out is not null && settings.OutDir is not null) throw new UsageException("give either --out (a grid) or --out-dir (one PNG per image), not both.");

        var run = settings.Run is null ? null : new RunDirectory(settings.Run);
        if (run is not null && !run.Exists) throw new UsageException($"run folder {run.Root} does not exist; pass the --out folder of a ddpm train run.");
        string checkpoint = settings.Checkpoint ?? run!.LatestCheckpoint()
            ?? throw new UsageException($"{run!.Root} has no checkpoint yet; train it first (ddpm train --out {run.Root}).");

        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(settings.Device));
        var loaded = LoadedModel.Load(checkpoint, device, useEma: !settings.RawWeights);
        using var model = loaded.Model;
        var meta = loaded.Metadata;

        int steps = settings.Steps ?? (settings.Sampler == "ddpm" ? meta.Config.Diffusion.Timesteps : 50);
        var sampler = Samplers.Create(settings.Sampler, settings.Eta);
        var timesteps = Timesteps.Create(TimestepSpacing.Leading, steps, meta.Config.Diffusion.Timesteps);
        long? label = settings.Class is null ? null : ClassIndex(settings.Class, meta);
        if (settings.Guidance != 0 && label is null) throw new UsageException("--guidance needs --class NAME.");
        var request = new GenerationRequest(settings.N, sampler, timesteps, settings.Seed, settings.Batch, label, settings.Guidance);

        Tensor images = null!;
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask($"{settings.Sampler} {steps} steps", maxValue: settings.N);
            images = ImageGenerator.Generate(model, new GaussianDiffusion(meta.Config.Diffusion), request, device, (done, _) => task.Value = done);
        });
        using (images)
        using (var unit = images.add(1).div(2))
        {
            if (settings.OutDir is string dir) WriteFolder(unit, dir, settings.Seed);
            else
            {
                string path = settings.Out ?? Path.Combine(run?.SamplesDir ?? ".", $"sample-{meta.Step:D6}-{settings.Sampler}{steps}.png");
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                ImageCodec.SaveGrid(unit, path);
                AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)} ({settings.N} images from step {meta.Step})");
            }
        }
        return 0;
    }

    private static void WriteFolder(Tensor unit, string dir, long seed)
    {
        Directory.CreateDirectory(dir);
        for (int i = 0; i < unit.shape[0]; i++)
        {
            using var image = unit[i];
            ImageCodec.SavePng(image, Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"seed{seed}-{i:D5}.png")));
        }
        AnsiConsole.MarkupLine($"wrote {unit.shape[0]} images to {Markup.Escape(dir)}");
    }

    private static long ClassIndex(string name, CheckpointMetadata meta)
    {
        int index = meta.ClassNames.ToList().FindIndex(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase));
        if (!meta.Config.Model.ClassConditional)
            throw new UsageException("this run was trained without classes, so --class cannot be used; train with --set model.class_conditional=true.");
        if (index < 0) throw new UsageException($"unknown class '{name}'; this run knows: {string.Join(", ", meta.ClassNames)}.");
        return index;
    }
}
