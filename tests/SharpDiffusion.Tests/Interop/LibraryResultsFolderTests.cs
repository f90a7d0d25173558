using SharpDiffusion.Interop;
using SharpDiffusion.Interop.DenoisingDiffusionPytorch;
using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Interop;

/// <summary>A whole results folder of the library's Trainer (model-1.pt at step 150, model-2.pt at 300) imported as one run.</summary>
public sealed class LibraryResultsFolderTests : IDisposable
{
    private readonly string _out = InteropFixtures.TempFolder();
    private readonly string _mixed = InteropFixtures.TempFolder();

    public void Dispose()
    {
        foreach (var folder in new[] { _out, _mixed })
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void Import_ResultsFolder_GivesOneCheckpointPerMilestoneAtItsStep()
    {
        var result = TrainerCheckpointImport.Import(LibraryFixture.Results, _out, new TrainerCheckpointImport.Options(ImageSize: 16));
        var run = new RunDirectory(_out);
        Assert.Equal([150, 300], run.ListCheckpoints().Select(c => c.Step).Order());
        Assert.Equal(run.CheckpointPath(300), run.LatestCheckpoint());
        Assert.Equal(300, result.Config.Training.Steps);
        Assert.Equal([150, 300], result.Checkpoints.Select(c => CheckpointFile.ReadMetadata(c).Step));
        // Each checkpoint holds its own milestone's weights: model-1's EMA gives model-1's recorded output, not model-2's.
        var probe = LibraryFixture.Npz("probe.npz");
        using var model = LoadedModel.Load(run.CheckpointPath(150), TorchSharp.torch.CPU).Model;
        using var noGrad = TorchSharp.torch.no_grad();
        var output = model.forward(probe["x"], probe["t"], SharpDiffusion.Models.Conditioning.None);
        Assert.True(InteropFixtures.MaxAbsDifference(output, LibraryFixture.Npz("probe-model-1.npz")["ema_out"]) < 1e-5);
    }

    [Fact]
    public void Import_FolderMixingModelShapes_RefusesAndWritesNothing()
    {
        Directory.CreateDirectory(_mixed);
        File.Copy(LibraryFixture.Model1, Path.Combine(_mixed, "model-1.pt"));
        File.Copy(LibraryFixture.T400, Path.Combine(_mixed, "model-2.pt"));
        var error = Assert.Throws<InteropException>(() => TrainerCheckpointImport.Import(_mixed, _out, new TrainerCheckpointImport.Options(ImageSize: 16)));
        Assert.Contains("model-2.pt' is not a checkpoint of the same model as", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(nothing was written).", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_out) && Directory.EnumerateFileSystemEntries(_out).Any());
    }

    [Fact]
    public void Import_FolderWithoutMilestones_SaysWhatItNeeds()
    {
        Directory.CreateDirectory(_mixed);
        var error = Assert.Throws<InteropException>(() => TrainerCheckpointImport.Import(_mixed, _out, new TrainerCheckpointImport.Options(ImageSize: 16)));
        Assert.Equal($"'{_mixed}' holds no model-N.pt; pass a results folder of denoising-diffusion-pytorch's Trainer or one of its checkpoint files.", error.Message);
    }

    [Fact]
    public void Import_T400Checkpoint_ImportsWithItsOwnSchedule()
    {
        // Refused before with a wrong message ("alphas_cumprod is not the cumulative product"): the library's float32 sigmoid.
        var result = TrainerCheckpointImport.Import(LibraryFixture.T400, _out, new TrainerCheckpointImport.Options(ImageSize: 16));
        Assert.Equal((400, 20), (result.Config.Diffusion.Timesteps, result.Step));
    }
}
