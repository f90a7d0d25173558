using System.Globalization;
using SharpDiffusion.Interop.PyTorch;
using static TorchSharp.torch;

namespace SharpDiffusion.Interop.DenoisingDiffusionPytorch;

/// <summary>
/// What denoising-diffusion-pytorch 2.x's <c>Trainer.save</c> writes with torch.save: a dict with <c>step</c>, <c>model</c>
/// (the <c>GaussianDiffusion</c> state dict: the <c>Unet</c>'s weights under <c>model.</c> plus the schedule buffers
/// <c>betas</c>, <c>alphas_cumprod</c>, …, <c>loss_weight</c>), <c>opt</c> (Adam's state dict), <c>ema</c> (ema-pytorch's
/// <c>EMA</c> state dict: <c>initted</c>, <c>step</c>, the averaged copy under <c>ema_model.</c> and, by default, the online
/// model again under <c>online_model.</c>), <c>scaler</c> and <c>version</c>. Read with the restricted unpickler only.
/// </summary>
internal sealed class TrainerCheckpoint : IDisposable
{
    private const string Expected = "a denoising-diffusion-pytorch 2.x Trainer checkpoint is a dict with step, model, opt, ema, scaler and version";
    private const string UnetPrefix = "model.";
    private const string EmaPrefix = "ema_model.";

    private readonly List<Tensor> _owned;

    private TrainerCheckpoint(string path, List<Tensor> owned)
    {
        Path = path;
        _owned = owned;
    }

    public string Path { get; }

    /// <summary>Optimizer steps of the Trainer.</summary>
    public int Step { get; private init; }

    /// <summary>The library version the Trainer wrote (absent before 1.x's later releases).</summary>
    public string? Version { get; private init; }

    /// <summary>The trained Unet's weights, keys without the <c>model.</c> prefix.</summary>
    public required IReadOnlyDictionary<string, Tensor> Unet { get; init; }

    /// <summary>The EMA Unet's weights (<c>ema_model.model.</c> stripped).</summary>
    public required IReadOnlyDictionary<string, Tensor> EmaUnet { get; init; }

    /// <summary>GaussianDiffusion's own buffers (<c>betas</c>, <c>alphas_cumprod</c>, …, <c>loss_weight</c>).</summary>
    public required IReadOnlyDictionary<string, Tensor> Buffers { get; init; }

    /// <summary>Adam's hyperparameters from the first parameter group of <c>opt</c>, when it has them.</summary>
    public AdamSettings? Adam { get; private init; }

    public sealed record AdamSettings(double Lr, double Beta1, double Beta2, double WeightDecay);

    /// <summary>Adam's per-parameter state (<c>opt.state</c>), keyed by the Unet weight it belongs to; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, AdamMoments> AdamState { get; private init; } = new Dictionary<string, AdamMoments>();

    /// <summary>One parameter's Adam state: its step count and first and second moments.</summary>
    public sealed record AdamMoments(long Step, Tensor ExpAvg, Tensor ExpAvgSq);

    /// <summary>ema-pytorch's own step counter (<c>ema.step</c>), when the file has it.</summary>
    public long? EmaStep { get; private init; }

    public static TrainerCheckpoint Read(string path)
    {
        if (!File.Exists(path)) throw new InteropException($"'{path}' does not exist; pass a model-N.pt written by denoising-diffusion-pytorch's Trainer.");
        object? root;
        using (var scope = NewDisposeScope())
        {
            root = ReadPickle(path);
            foreach (var tensor in TorchZipFile.Tensors(root).Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>()) tensor.MoveToOuterDisposeScope();
        }
        var owned = TorchZipFile.Tensors(root).Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>().ToList();
        try
        {
            return Parse(path, root, owned);
        }
        catch
        {
            owned.ForEach(t => t.Dispose());
            throw;
        }
    }

    public void Dispose() => _owned.ForEach(t => t.Dispose());

    private static object? ReadPickle(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var head = new byte[16];
            var length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = 0;
            if (TorchZipFile.LooksLikeZip(head.AsSpan(0, length))) return TorchZipFile.Read(stream);
            if (LegacyTorchFile.LooksLegacy(head.AsSpan(0, length)))
                throw new InteropException($"'{path}' is in torch.save's pre-1.6 legacy format, which Trainer checkpoints of denoising-diffusion-pytorch 2.x never are; {Expected}.");
        }
        catch (RefusedGlobalException e)
        {
            throw new InteropException($"'{path}' was refused: {e.Message}.");
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or NotSupportedException or IOException)
        {
            throw new InteropException($"'{path}' could not be read as a torch.save checkpoint ({e.Message}); {Expected}.");
        }
        throw new InteropException($"'{path}' is not a file written by torch.save (not a zip archive); {Expected}.");
    }

    private static TrainerCheckpoint Parse(string path, object? root, List<Tensor> owned)
    {
        if (root is not PickleDict dict) throw new InteropException($"'{path}' holds a {Describe(root)}, not the dict Trainer.save writes; {Expected}.");
        var entries = dict.Entries.Where(e => e.Key is string).ToDictionary(e => (string)e.Key, e => e.Value, StringComparer.Ordinal);
        if (entries.Count > 0 && entries.Values.All(v => v is Tensor))
            throw new InteropException($"'{path}' is a bare state dict of {entries.Count} tensors (first key '{entries.Keys.First()}'), not a Trainer checkpoint; {Expected}.");
        if (entries.GetValueOrDefault("model") is PickleDict && entries.GetValueOrDefault("ema") is not PickleDict)
            throw new InteropException($"'{path}' has no 'ema' dict (top-level keys [{string.Join(", ", entries.Keys.Take(8))}]), and the EMA weights are what the library samples with; import the model-N.pt that Trainer.save wrote, which always holds 'ema'.");
        if (!entries.TryGetValue("model", out var model) || model is not PickleDict modelDict || !entries.TryGetValue("ema", out var ema) || ema is not PickleDict emaDict)
            throw new InteropException($"'{path}' has the top-level keys [{string.Join(", ", entries.Keys.Take(8))}], not those of a Trainer checkpoint; {Expected}.");

        string? version = entries.GetValueOrDefault("version") as string;
        var modelTensors = Tensors(path, "model", modelDict);
        var emaTensors = Tensors(path, "ema", emaDict);
        RefuseOtherVersions(path, version, modelTensors.Keys);
        var unet = Strip(modelTensors, UnetPrefix);
        var emaUnet = Strip(emaTensors, EmaPrefix + UnetPrefix);
        if (unet.Count == 0) throw new InteropException($"'{path}' has no 'model.' weights in its model entry (found [{string.Join(", ", modelTensors.Keys.Take(5))}]); {Expected}.");
        if (emaUnet.Count == 0) throw new InteropException($"'{path}' has no 'ema_model.model.' weights in its ema entry (found [{string.Join(", ", emaTensors.Keys.Take(5))}]); it needs ema-pytorch's EMA state dict as Trainer.save writes it.");

        return new TrainerCheckpoint(path, owned)
        {
            Step = ReadStep(path, entries.GetValueOrDefault("step")),
            Version = version,
            Unet = unet,
            EmaUnet = emaUnet,
            Buffers = modelTensors.Where(e => !e.Key.Contains('.', StringComparison.Ordinal)).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal),
            Adam = ReadAdam(entries.GetValueOrDefault("opt")),
            AdamState = ReadAdamState(path, entries.GetValueOrDefault("opt"), modelTensors.Keys.Where(k => k.StartsWith(UnetPrefix, StringComparison.Ordinal)).Select(k => k[UnetPrefix.Length..]).ToList(), unet),
            EmaStep = emaTensors.TryGetValue("step", out var emaStep) && emaStep.NumberOfElements == 1 ? emaStep.to_type(ScalarType.Int64).item<long>() : null,
        };
    }

    /// <summary>1.x Unets have GroupNorm blocks (<c>block1.norm.weight</c>) and wrapped attention (<c>.fn.</c>); 2.x has neither.</summary>
    private static void RefuseOtherVersions(string path, string? version, IEnumerable<string> keys)
    {
        var old = keys.FirstOrDefault(k => k.EndsWith(".norm.weight", StringComparison.Ordinal) || k.Contains(".fn.", StringComparison.Ordinal));
        if (old is not null)
            throw new InteropException($"'{path}' was written by denoising-diffusion-pytorch {version ?? "1.x"} (its key '{old}' belongs to the 1.x Unet with GroupNorm and wrapped attention); only 2.x checkpoints (RMSNorm Unet) can be imported.");
        if (version is not null && !version.StartsWith("2.", StringComparison.Ordinal))
            throw new InteropException($"'{path}' says it was written by denoising-diffusion-pytorch {version}; only 2.x checkpoints can be imported.");
    }

    private static Dictionary<string, Tensor> Tensors(string path, string entry, PickleDict dict)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in dict.Entries)
        {
            if (key is not string name || value is not Tensor tensor) throw new InteropException($"'{path}': entry '{key}' of '{entry}' is a {Describe(value)}, not a tensor; {Expected}.");
            result[name] = tensor;
        }
        return result;
    }

    private static Dictionary<string, Tensor> Strip(Dictionary<string, Tensor> tensors, string prefix) =>
        tensors.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(e => e.Key[prefix.Length..], e => e.Value, StringComparer.Ordinal);

    private static int ReadStep(string path, object? value) => value switch
    {
        long step when step is >= 0 and <= int.MaxValue => (int)step,
        Tensor { NumberOfElements: 1 } t => (int)t.to_type(ScalarType.Int64).item<long>(),
        _ => throw new InteropException($"'{path}' has a step entry that is a {Describe(value)}, not a step count; {Expected}."),
    };

    private static AdamSettings? ReadAdam(object? opt)
    {
        if (opt is not PickleDict optimizer || optimizer.Entries.FirstOrDefault(e => e.Key is "param_groups").Value is not List<object?> { Count: > 0 } groups
            || groups[0] is not PickleDict group) return null;
        var values = group.Entries.Where(e => e.Key is string).ToDictionary(e => (string)e.Key, e => e.Value, StringComparer.Ordinal);
        static double? Number(object? v) => v switch { double d => d, long l => l, _ => null };
        if (Number(values.GetValueOrDefault("lr")) is not double lr || values.GetValueOrDefault("betas") is not object?[] { Length: 2 } betas
            || Number(betas[0]) is not double beta1 || Number(betas[1]) is not double beta2) return null;
        return new AdamSettings(lr, beta1, beta2, Number(values.GetValueOrDefault("weight_decay")) ?? 0);
    }

    /// <summary>
    /// torch.optim.Adam's <c>state</c>: {index: {step, exp_avg, exp_avg_sq}}, indices in <c>diffusion.parameters()</c> order,
    /// which is the order of the <c>model.*</c> keys in the state dict (the Unet has no buffers). Shapes are checked against
    /// the weights they belong to.
    /// </summary>
    private static Dictionary<string, AdamMoments> ReadAdamState(string path, object? opt, List<string> unetKeys, Dictionary<string, Tensor> unet)
    {
        var result = new Dictionary<string, AdamMoments>(StringComparer.Ordinal);
        if (opt is not PickleDict optimizer || optimizer.Entries.FirstOrDefault(e => e.Key is "state").Value is not PickleDict state) return result;
        foreach (var (key, value) in state.Entries)
        {
            if (key is not long index || index < 0 || index >= unetKeys.Count || value is not PickleDict entry)
                throw new InteropException($"'{path}': its optimizer state has an entry '{key}' that is not one of the {unetKeys.Count} Unet parameters; {Expected}.");
            var fields = entry.Entries.Where(e => e.Key is string).ToDictionary(e => (string)e.Key, e => e.Value, StringComparer.Ordinal);
            string name = unetKeys[(int)index];
            if (fields.GetValueOrDefault("exp_avg") is not Tensor expAvg || fields.GetValueOrDefault("exp_avg_sq") is not Tensor expAvgSq
                || !expAvg.shape.SequenceEqual(unet[name].shape) || !expAvgSq.shape.SequenceEqual(unet[name].shape))
                throw new InteropException($"'{path}': its Adam state for parameter {index} ({name}) has no exp_avg/exp_avg_sq of the weight's shape; it is not torch.optim.Adam's state for this Unet.");
            long step = fields.GetValueOrDefault("step") switch
            {
                Tensor { NumberOfElements: 1 } t => (long)t.to_type(ScalarType.Float64).item<double>(),
                long l => l,
                double d => (long)d,
                var other => throw new InteropException($"'{path}': its Adam state for {name} has a step that is a {Describe(other)}, not a count; {Expected}."),
            };
            result[name] = new AdamMoments(step, expAvg, expAvgSq);
        }
        return result;
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        Tensor t => $"tensor [{string.Join(", ", t.shape)}]",
        PickleDict => "dict",
        List<object?> => "list",
        object?[] => "tuple",
        _ => value.GetType().Name switch { "Int64" => "number", "Double" => "number", "String" => "string", var other => other },
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Path} (step {Step}, version {Version ?? "unknown"})");
}
