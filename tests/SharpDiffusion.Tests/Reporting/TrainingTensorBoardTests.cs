using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Reporting.TensorBoard;
using SharpDiffusion.Tests.Training;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Reporting;

[Collection(TrainingTestGroup.Name)]
public sealed class TrainingTensorBoardTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-tbtrain-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static RunConfig Tiny(int steps) => new()
    {
        Seed = 3,
        Data = new DataConfig { ImageSize = 8, Channels = 3 },
        Model = new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Heads = 1, HeadDim = 8, Groups = 4 },
        Diffusion = new DiffusionConfig { Timesteps = 50, Schedule = BetaSchedule.Cosine },
        Training = new TrainingConfig
        {
            Steps = steps, BatchSize = 2, Lr = 1e-3, LogEvery = 1, CheckpointEvery = 2, KeepLast = 0, SampleEvery = 2, SampleCount = 4, SampleSteps = 2, Device = "cpu",
        },
    };

    private static ImageDataset Data()
    {
        var images = (arange(4 * 3 * 8 * 8, dtype: ScalarType.Int64) % 256).to(ScalarType.Byte).view(4, 3, 8, 8);
        return new ImageDataset(images, zeros(4, dtype: ScalarType.Int64), ["all"], "tb-test");
    }

    private static List<TfRecordReader.DecodedEvent> Events(string path) =>
        TfRecordReader.ReadRecords(File.ReadAllBytes(path)).Select(TfRecordReader.DecodeEvent).ToList();

    [Fact]
    public void Attach_MirrorsEveryLogRowAndSampleGrid_AndMarksAResume()
    {
        using var data = Data();
        var run = new RunDirectory(Path.Combine(_dir, "run"));
        string tb = Path.Combine(run.Root, TensorBoardWriter.FolderName);

        string first;
        using (var writer = TensorBoardWriter.Create(tb))
        {
            first = writer.Path;
            var trainer = new Trainer(Tiny(2), data, run, CPU);
            TrainingTensorBoard.Attach(trainer, writer);
            trainer.Run(resume: false);
        }
        var log = new TrainingLog(run.LogPath).Read();
        var events = Events(first);
        var losses = events.SelectMany(e => e.Values.Where(v => v.Tag == "train/loss").Select(v => (e.Step, v.Simple))).ToList();
        Assert.Equal(log.Select(r => (Step: (long)r.Step, Simple: (float?)(float)r.Loss)), losses);
        Assert.Equal(log.Select(r => (float?)(float)r.Lr), events.SelectMany(e => e.Values).Where(v => v.Tag == "train/lr").Select(v => v.Simple));
        Assert.Equal(2, events.SelectMany(e => e.Values).Count(v => v.Tag == "train/images_per_s"));
        var grid = events.Single(e => e.Values.Any(v => v.Tag == "samples/ema"));
        Assert.Equal(2, grid.Step);
        Assert.Equal(File.ReadAllBytes(run.SampleGridPath(2)), grid.Values.Single().Image!.Png);

        string second;
        using (var writer = TensorBoardWriter.Create(tb))
        {
            second = writer.Path;
            var trainer = new Trainer(Tiny(4), data, run, CPU);
            TrainingTensorBoard.Attach(trainer, writer);
            trainer.Run(resume: true);
        }
        var resumed = Events(second);
        Assert.Equal((3L, (int?)1), (resumed[1].Step, resumed[1].SessionStatus));
        Assert.Equal([3L, 4L], resumed.Where(e => e.Values.Any(v => v.Tag == "train/loss")).Select(e => e.Step));
    }
}
