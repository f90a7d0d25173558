using SharpDiffusion.Sampling;
using Spectre.Console;
using System.CommandLine;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// <c>--noise</c>, <c>--save-noise</c> and <c>--out-array</c>, shared by <c>ddpm sample</c> and <c>ddpm upscale</c>: x_T in and
/// out as .npy (the library's <see cref="StartingNoise"/>), and the samples before quantisation.
/// </summary>
internal sealed class NoiseOptions(string noiseNote, string arrayNote)
{
    public Option<string?> Noise { get; } = new("--noise")
    {
        HelpName = "FILE.npy",
        Description = "Starting noise x_T: a float32/float64 .npy [N, C, H, W] in the model's sample space (a latent run's latent shape), used exactly as given. "
            + "Stochastic samplers still draw their later noise from --seed. " + noiseNote,
    };

    public Option<string?> SaveNoise { get; } = new("--save-noise") { HelpName = "FILE.npy", Description = "Write the x_T this run started from (float32 .npy), given or drawn, to replay it with --noise." };

    public Option<string?> OutArray { get; } = new("--out-array")
    {
        HelpName = "FILE.npy",
        Description = "Write the final samples as float32 .npy [N, C, H, W] before quantisation, in [−1, 1] (a latent run's decoded pixels). " + arrayNote,
    };

    public IEnumerable<Option> All => [Noise, SaveNoise, OutArray];

    public NoiseFiles Get(ParseResult parse) => new(parse.GetValue(Noise), parse.GetValue(SaveNoise), parse.GetValue(OutArray));
}

/// <summary>The .npy paths of one command line; null where not given.</summary>
internal sealed record NoiseFiles(string? Noise = null, string? SaveNoise = null, string? OutArray = null)
{
    /// <summary>Refuses output files that could not be written, before anything is sampled: their folder must exist (it is not created).</summary>
    public void CheckOutputs()
    {
        foreach (var (option, path) in new[] { ("--save-noise", SaveNoise), ("--out-array", OutArray) })
        {
            if (path is null) continue;
            string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder is null || !Directory.Exists(folder))
                throw new UsageException($"{option} {path}: the folder {folder} does not exist; create it first or write the file elsewhere.");
            if (Directory.Exists(path))
                throw new UsageException($"{option} {path} is a folder; name a file, such as {Path.Combine(path, option == "--save-noise" ? "noise.npy" : "samples.npy")}.");
        }
        if (SaveNoise is not null && OutArray is not null && Path.GetFullPath(SaveNoise) == Path.GetFullPath(OutArray))
            throw new UsageException($"--save-noise and --out-array both name {SaveNoise}; give them different files.");
    }

    /// <summary>The given x_T checked against the model's per-sample shape (float32, CPU), or null without --noise.</summary>
    public Tensor? ReadNoise(long[] sampleShape) => Noise is null ? null : StartingNoise.Read(Noise, sampleShape);

    /// <summary>
    /// Writes --out-array (<paramref name="samples"/>) and --save-noise, each atomically: the x_T given with --noise, else the one
    /// drawn from the seed (<paramref name="fromSeed"/>, called only then).
    /// </summary>
    public void Write(Tensor samples, Tensor? given, Func<Tensor> fromSeed)
    {
        if (OutArray is not null)
        {
            StartingNoise.Write(OutArray, samples);
            AnsiConsole.MarkupLine(Markup.Escape($"wrote {OutArray} (float32 [{string.Join(", ", samples.shape)}], in [−1, 1])"));
        }
        if (SaveNoise is not null)
        {
            using var drawn = given is null ? fromSeed() : null;
            var xT = given ?? drawn!;
            StartingNoise.Write(SaveNoise, xT);
            AnsiConsole.MarkupLine(Markup.Escape($"wrote {SaveNoise} (x_T, float32 [{string.Join(", ", xT.shape)}])"));
        }
    }
}
