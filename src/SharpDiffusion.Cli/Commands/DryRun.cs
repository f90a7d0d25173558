using System.Globalization;
using SharpDiffusion.Config;
using SharpDiffusion.Models;
using SharpDiffusion.Runtime;
using SharpDiffusion.Training;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>ddpm train --dry-run</c>: the resolved config and what the model would cost, without touching data or disk.</summary>
internal static class DryRun
{
    private static readonly int[] ReferenceDims = [64, 96, 128];
    private const int ReferenceImageSize = 64;

    public static void Print(RunConfig config)
    {
        NativeRuntime.Initialize(DeviceKind.Cpu);
        config = Latent.LatentSetup.Resolve(ClassCount.WithoutData(config, out bool guessed), config.Data.Channels, config.Data.ImageSize);
        if (guessed) AnsiConsole.MarkupLine("note: counted with 1 class; each class of the data adds 4·dim class-embedding parameters");
        AnsiConsole.WriteLine(ConfigJson.Serialize(config));
        var table = new Table().AddColumns("model", "image", "parameters");
        table.AddRow("this config", $"{config.Data.ImageSize}×{config.Data.ImageSize}×{config.Data.Channels}", Count(config.Model, config.Data.Channels, config.Data.ImageSize, config.Data.Augment));
        foreach (int dim in config.Model.Autoencoder is null ? ReferenceDims : []) // the reference widths are the U-Net's
            table.AddRow($"dim {dim} (other model settings as above)", $"{ReferenceImageSize}×{ReferenceImageSize}×3", Count(config.Model with { Dim = dim }, 3, ReferenceImageSize, config.Data.Augment));
        AnsiConsole.Write(table);
    }

    private static string Count(ModelConfig model, int channels, int size, AugmentConfig? augment)
    {
        return ParameterCount.Of(model, channels, size, augment).ToString("N0", CultureInfo.InvariantCulture);
    }
}
