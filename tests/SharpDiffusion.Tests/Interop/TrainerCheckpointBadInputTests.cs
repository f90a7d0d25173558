using System.IO.Compression;
using SharpDiffusion.Interop;
using SharpDiffusion.Interop.DenoisingDiffusionPytorch;
using SharpDiffusion.Interop.PyTorch;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Interop;

/// <summary>Checkpoints that must be refused with one sentence saying what was found, leaving --out untouched.</summary>
public sealed class TrainerCheckpointBadInputTests : IDisposable
{
    private readonly string _root = InteropFixtures.TempFolder();

    public TrainerCheckpointBadInputTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private InteropException Refused(string checkpoint, TrainerCheckpointImport.Options? options = null)
    {
        var output = Path.Combine(_root, "out");
        var error = Assert.Throws<InteropException>(() => TrainerCheckpointImport.Import(checkpoint, output, options ?? new(ImageSize: 8)));
        Assert.False(Directory.Exists(output), "a refused import must not create the run folder");
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    /// <summary>A torch.save-style zip whose data.pkl is <paramref name="pickle"/>.</summary>
    private string Zip(string name, byte[] pickle)
    {
        var path = Path.Combine(_root, name);
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var entry = archive.CreateEntry("archive/data.pkl").Open()) entry.Write(pickle);
        using (var entry = archive.CreateEntry("archive/version").Open()) entry.Write("3\n"u8);
        return path;
    }

    /// <summary>The fixture's Trainer dict, changed by <paramref name="edit"/>, written again by PyBridge's pickler.</summary>
    private string EditedFixture(string name, Action<Dictionary<string, object?>, Dictionary<string, object?>, Dictionary<string, object?>> edit, bool withoutEma = false)
    {
        using var scope = NewDisposeScope();
        using var stream = File.OpenRead(InteropFixtures.TrainerCheckpoint);
        var root = (PickleDict)TorchZipFile.Read(stream)!;
        static Dictionary<string, object?> Plain(object? value) => ((PickleDict)value!).Entries.ToDictionary(e => (string)e.Key, e => e.Value);
        var top = Plain(root);
        var model = Plain(top["model"]);
        var ema = Plain(top["ema"]);
        edit(top, model, ema);
        var written = new Dictionary<string, object?>(top) { ["model"] = model, ["ema"] = ema, ["opt"] = null };
        if (withoutEma) written.Remove("ema");
        var path = Path.Combine(_root, name);
        using var file = File.Create(path);
        PyTorchPickler.PickleStateDict(file, written);
        return path;
    }

    [Fact]
    public void Import_PickleAskingForOsSystem_IsRefusedNamingTheGlobalAndRunsNothing()
    {
        var marker = Path.Combine(_root, "ran");
        // protocol 2: GLOBAL os.system, the argument tuple ("touch MARKER",), REDUCE, STOP — what a malicious pickle does.
        var command = System.Text.Encoding.ASCII.GetBytes("touch " + marker);
        byte[] pickle = [0x80, 0x02, .. "cos\nsystem\n"u8, (byte)'X', .. BitConverter.GetBytes(command.Length), .. command, 0x85, (byte)'R', (byte)'.'];
        var error = Refused(Zip("evil.pt", pickle));
        Assert.Contains("os.system", error.Message, StringComparison.Ordinal);
        Assert.Contains("outside the set", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Import_CheckpointWithoutEma_SaysTheEmaIsMissing()
    {
        var path = EditedFixture("no-ema.pt", (_, _, _) => { }, withoutEma: true);
        var error = Refused(path);
        Assert.Contains("has no 'ema' dict", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ema,", error.Message, StringComparison.Ordinal); // the keys it lists are the file's, without ema
    }

    [Fact]
    public void Import_BareStateDict_SaysItIsNotATrainerCheckpoint()
    {
        var path = Path.Combine(_root, "bare.pt");
        using (var file = File.Create(path)) PyTorchPickler.PickleStateDict(file, new Dictionary<string, Tensor> { ["init_conv.weight"] = zeros(8, 1, 7, 7) });
        var error = Refused(path);
        Assert.Contains("bare state dict of 1 tensors (first key 'init_conv.weight')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_FileOfAnotherKind_SaysWhatWasFound()
    {
        var text = Path.Combine(_root, "notes.pt");
        File.WriteAllText(text, "not a checkpoint");
        Assert.Contains("not a file written by torch.save", Refused(text).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Refused(Path.Combine(_root, "missing.pt")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_Version1Checkpoint_NamesTheVersionAndTheGroupNormKey()
    {
        var path = EditedFixture("v1.pt", (top, model, _) =>
        {
            top["version"] = "1.9.6";
            model["model.downs.0.0.block1.norm.weight"] = ones(8);
        });
        var error = Refused(path);
        Assert.Contains("denoising-diffusion-pytorch 1.9.6", error.Message, StringComparison.Ordinal);
        Assert.Contains("'model.downs.0.0.block1.norm.weight'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_KeysThatDoNotFit_ListsTheFirstFew()
    {
        var path = EditedFixture("keys.pt", (_, _, ema) =>
        {
            ema.Remove("ema_model.model.mid_block2.mlp.1.weight");
            ema["ema_model.model.extra_head.weight"] = zeros(3);
        });
        var error = Refused(path);
        Assert.Contains("1 keys it needs are missing ('mid_block2.mlp.1.weight')", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 keys do not fit it ('extra_head.weight')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_WithoutLossWeight_AsksForTheObjectiveAndUsesIt()
    {
        var path = EditedFixture("no-weight.pt", (_, model, _) => model.Remove("loss_weight"));
        Assert.Contains("pass --objective eps, x0 or v", Refused(path).Message, StringComparison.Ordinal);

        var output = Path.Combine(_root, "given");
        var result = TrainerCheckpointImport.Import(path, output, new(ImageSize: 8, Objective: SharpDiffusion.Config.Objective.V));
        Assert.Equal(SharpDiffusion.Config.Objective.V, result.Config.Diffusion.Objective);
    }

    [Fact]
    public void Import_ObjectiveContradictingTheBuffers_IsRefused()
    {
        var error = Refused(InteropFixtures.TrainerCheckpoint, new(ImageSize: 8, Objective: SharpDiffusion.Config.Objective.Eps));
        Assert.Contains("contradicts its loss_weight buffer, which belongs to v (pred_v)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_ImageSizeNotDivisibleByTheLevels_SaysWhichSizeToPass()
    {
        var error = Refused(InteropFixtures.TrainerCheckpoint, new(ImageSize: 9));
        Assert.Contains("--image-size 9 is not divisible by 2^1", error.Message, StringComparison.Ordinal);
    }
}
