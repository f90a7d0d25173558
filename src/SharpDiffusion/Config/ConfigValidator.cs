namespace SharpDiffusion.Config;

/// <summary>Range checks that JSON binding cannot express; each failure names the key and the allowed range.</summary>
public static class ConfigValidator
{
    public static IReadOnlyList<string> Validate(RunConfig c)
    {
        var errors = new List<string>();
        void Require(bool ok, string key, string rule)
        {
            if (!ok) errors.Add($"'{key}' {rule}");
        }

        // JSON null binds to null even for lists the records never leave null; say so instead of failing further down.
        if (c.Data is null || c.Model is null || c.Diffusion is null || c.Training is null || c.Model.DimMults is null || c.Model.AttentionResolutions is null)
            return ["'data', 'model', 'diffusion', 'training', 'model.dim_mults' and 'model.attention_resolutions' must not be null; give an object or a list like configs/demo.json's"];
        Require(c.Data.ImageSize is >= 8 and <= 1024, "data.image_size", "must be between 8 and 1024");
        Require(c.Data.Channels is 1 or 3, "data.channels", "must be 1 or 3");
        Require(c.Data.Source == DataSource.Synthetic || !string.IsNullOrWhiteSpace(c.Data.Path), "data.path", "must name a folder for this data source (or pass --data DIR)");
        Require(c.Data.SyntheticCount is >= 1 and <= 1_000_000, "data.synthetic_count", "must be between 1 and 1000000");
        Require(c.Data.Limit >= 0, "data.limit", "must be 0 (all) or positive");
        if (c.Data.Augment is { } augment)
        {
            Require(augment.P is >= 0 and <= 1, "data.augment.p", "must be a probability in [0, 1], e.g. EDM's 0.12 (remove data.augment to turn augmentation off)");
            // Why latents are refused: docs/training.md, "Non-leaking augmentation".
            Require(c.Model.Latent is null && c.Model.Autoencoder is null, "data.augment", "is for pixel-space diffusion models (rotating or scaling a latent is not the latent of the rotated image); remove it from a latent or autoencoder run");
        }

        Require(c.Model.Dim is >= 8 and <= 1024, "model.dim", "must be between 8 and 1024");
        Require(c.Model.DimMults.Count is >= 1 and <= 8 && c.Model.DimMults.All(m => m is >= 1 and <= 64), "model.dim_mults", "must be 1 to 8 factors between 1 and 64");
        Require(c.Model.ResBlocks is >= 1 and <= 8, "model.res_blocks", "must be between 1 and 8");
        Require(c.Model.Heads >= 1 && c.Model.HeadDim >= 1, "model.heads", "and model.head_dim must be positive");
        // Only the ddpm layout has GroupNorm; the reference layout normalises with RMSNorm and has no groups.
        Require(c.Model.Layout != UNetLayout.Ddpm || (c.Model.Groups >= 1 && c.Model.DimMults.All(m => c.Model.Dim * m % c.Model.Groups == 0)), "model.groups", "must divide every level's channel count (dim × each of dim_mults)");
        Require(c.Model.Dropout is >= 0 and < 1, "model.dropout", "must be in [0, 1)");
        Require(c.Model.ClassDropout is >= 0 and <= 1, "model.class_dropout", "must be in [0, 1]");
        Require(c.Model.NumClasses >= 0, "model.num_classes", "must not be negative");
        int downsamplings = c.Model.DimMults.Count - 1;
        // A latent U-Net works at image_size / f; LatentSetup checks that side once f is known.
        Require(c.Model.Autoencoder is not null || c.Model.Latent is not null || c.Data.ImageSize % (1 << Math.Min(downsamplings, 30)) == 0, "data.image_size", $"must be divisible by 2^{downsamplings} for {c.Model.DimMults.Count} U-Net levels");

        if (c.Model.SuperResolution is { } sr)
        {
            Require(sr.InputSize >= 4 && sr.InputSize < c.Data.ImageSize && c.Data.ImageSize % sr.InputSize == 0, "model.super_resolution.input_size", $"must be at least 4, smaller than data.image_size ({c.Data.ImageSize}) and divide it");
            Require(sr.AugmentationMax is >= 0 and <= 1, "model.super_resolution.augmentation_max", "must be in [0, 1]");
            Require(sr.AugmentationLevel is >= 0 and <= 1, "model.super_resolution.augmentation_level", "must be in [0, 1]");
            Require(sr.ConditionDropout is >= 0 and <= 1, "model.super_resolution.condition_dropout", "must be in [0, 1]");
            Require(sr.BlurSigmaMax is >= 0 and <= 4, "model.super_resolution.blur_sigma_max", "must be in [0, 4] (low-resolution pixels; 0 turns blur augmentation off)");
            int factor = sr.InputSize > 0 ? Math.Max(1, c.Data.ImageSize / sr.InputSize) : 1;
            Require(sr.CropSize == 0 || (sr.CropSize <= c.Data.ImageSize && sr.CropSize % factor == 0 && sr.CropSize % (1 << Math.Min(downsamplings, 30)) == 0), "model.super_resolution.crop_size",
                $"must be 0 (whole image) or at most data.image_size, a multiple of the scale factor {factor} and of 2^{downsamplings}");
        }

        if (c.Model.Autoencoder is { } ae) ValidateAutoencoder(ae, c, Require);
        if (c.Model.Latent is { } latent)
        {
            Require(c.Model.Autoencoder is null && c.Model.SuperResolution is null, "model.latent", "cannot be combined with model.autoencoder or model.super_resolution; a latent run is a base model");
            Require(!string.IsNullOrWhiteSpace(latent.Autoencoder), "model.latent.autoencoder", "must name the autoencoder's run folder or checkpoint (e.g. runs/shapes-ae)");
            Require(latent.ScaleFactor is null || (latent.ScaleFactor > 0 && double.IsFinite(latent.ScaleFactor.Value)), "model.latent.scale_factor", "must be a positive number (or left out: 1/std of the training latents)");
        }

        Require(c.Diffusion.Formulation == DiffusionFormulation.Edm || c.Diffusion.Edm is null, "diffusion.edm", "is read only with diffusion.formulation edm; remove it or set the formulation to edm");
        Require(c.Diffusion.Formulation != DiffusionFormulation.Edm || c.Diffusion.DdpmKeysAtDefaults, "diffusion",
            $"formulation edm has no {string.Join(", ", DiffusionConfig.DdpmOnlyKeys)} (its noise levels, preconditioning and loss are EDM's, configured in diffusion.edm); remove those keys");
        if (c.Diffusion.Edm is { } edm)
        {
            Require(edm.SigmaData is null || (edm.SigmaData > 0 && double.IsFinite(edm.SigmaData.Value)), "diffusion.edm.sigma_data", "must be a positive number (0.5 for pixels, 1 for latents) or left out");
            Require(edm.PStd > 0 && double.IsFinite(edm.PStd) && double.IsFinite(edm.PMean), "diffusion.edm.p_std", "must be a positive number and p_mean finite (EDM: −1.2 and 1.2)");
            Require(edm.SigmaMin > 0 && edm.SigmaMax > edm.SigmaMin && double.IsFinite(edm.SigmaMax), "diffusion.edm.sigma_min", "and sigma_max must satisfy 0 < sigma_min < sigma_max (EDM: 0.002 and 80)");
            Require(edm.Rho > 0 && double.IsFinite(edm.Rho), "diffusion.edm.rho", "must be a positive number (EDM: 7)");
        }
        Require(c.Diffusion.Timesteps is >= 2 and <= 100_000, "diffusion.timesteps", "must be between 2 and 100000");
        Require(c.Diffusion.MinSnrGamma >= 0 && double.IsFinite(c.Diffusion.MinSnrGamma), "diffusion.min_snr_gamma", "must be 0 (off) or a positive number such as 5");
        Require(c.Diffusion.BetaStart > 0 && c.Diffusion.BetaEnd < 1 && c.Diffusion.BetaStart < c.Diffusion.BetaEnd, "diffusion.beta_start", "and beta_end must satisfy 0 < beta_start < beta_end < 1");
        Require(c.Diffusion.Schedule == BetaSchedule.Table || c.Diffusion.Betas is null, "diffusion.betas", "is read only with diffusion.schedule table; remove it or set the schedule to table");
        Require(c.Diffusion.Schedule != BetaSchedule.Table || (c.Diffusion.Betas is { } table && table.Count == c.Diffusion.Timesteps && table.All(b => b is > 0 and < 1)),
            "diffusion.betas", "must list diffusion.timesteps values, each in (0, 1), when diffusion.schedule is table");

        if (c.Sampling is { } sampling)
        {
            Require(sampling.Sampler is null || Sampling.Samplers.Names.Contains(sampling.Sampler), "sampling.sampler", $"must be one of {Sampling.Samplers.NameList}");
            Require(Sampling.TimestepSpacings.NamesWithAuto.Contains(sampling.Spacing), "sampling.spacing", $"must be one of {string.Join(", ", Sampling.TimestepSpacings.NamesWithAuto)}");
            Require(sampling.Steps is null || (sampling.Steps >= 1 && sampling.Steps <= c.Diffusion.Timesteps), "sampling.steps", "must be between 1 and diffusion.timesteps (or left out: the sampler's default)");
        }

        var t = c.Training;
        Require(t.Steps >= 1, "training.steps", "must be at least 1");
        Require(t.BatchSize is >= 1 and <= 65536, "training.batch_size", "must be between 1 and 65536");
        Require(t.Lr is > 0 and < 1, "training.lr", "must be in (0, 1)");
        Require(t.WarmupSteps >= 0, "training.warmup_steps", "must not be negative");
        Require(t.AdamBeta1 is >= 0 and < 1 && t.AdamBeta2 is >= 0 and < 1, "training.adam_beta1", "and adam_beta2 must be in [0, 1)");
        Require(t.WeightDecay >= 0, "training.weight_decay", "must not be negative");
        Require(t.GradClip >= 0, "training.grad_clip", "must be 0 (off) or positive");
        Require(t.EmaDecay is >= 0 and < 1, "training.ema_decay", "must be in [0, 1)");
        Require(t.EmaEvery >= 1, "training.ema_every", "must be at least 1");
        Require(t.EmaStart >= 0, "training.ema_start", "must not be negative");
        Require(t.EmaInvGamma > 0 && double.IsFinite(t.EmaInvGamma), "training.ema_inv_gamma", "must be a positive number such as 1");
        Require(t.EmaPower > 0 && double.IsFinite(t.EmaPower), "training.ema_power", "must be a positive number such as 0.6667 (or 0.75 for short runs)");
        Require(t.LogEvery >= 1, "training.log_every", "must be at least 1");
        Require(t.CheckpointEvery >= 1, "training.checkpoint_every", "must be at least 1");
        Require(t.KeepLast >= 0, "training.keep_last", "must be 0 (keep all) or positive");
        Require(t.SampleEvery >= 0, "training.sample_every", "must be 0 (end only) or positive");
        Require(t.SampleCount is >= 1 and <= 1024, "training.sample_count", "must be between 1 and 1024");
        Require(t.SampleSteps >= 1 && t.SampleSteps <= c.Diffusion.Timesteps, "training.sample_steps", "must be between 1 and diffusion.timesteps");
        Require(t.SampleGuidance >= 0 && double.IsFinite(t.SampleGuidance), "training.sample_guidance", "must be a finite number ≥ 0");
        Require(t.Precision == Precision.Fp32 || t.Optimizer is OptimizerKind.FusedAdam or OptimizerKind.FusedAdamw, "training.precision", "bf16 needs training.optimizer fused-adam or fused-adamw");
        Require(t.MaxBadSteps >= 1, "training.max_bad_steps", "must be at least 1");
        Require(t.Device is "cpu" or "cuda" or "auto", "training.device", "must be cpu, cuda or auto");
        Require(t.MonitorIntervalS == 0 || (t.MonitorIntervalS >= 0.1 && t.MonitorIntervalS <= 86400), "training.monitor_interval_s", "must be 0 (off) or between 0.1 and 86400 seconds");
        return errors;
    }

    private static void ValidateAutoencoder(AutoencoderConfig ae, RunConfig c, Action<bool, string, string> require)
    {
        const string key = "model.autoencoder";
        require(c.Model.SuperResolution is null, key, "and model.super_resolution cannot both be set; an autoencoder is its own run");
        require(ae.Factor is 2 or 4 or 8, $"{key}.factor", "must be 2, 4 or 8");
        require(ae.Factor < 1 || c.Data.ImageSize % ae.Factor == 0, $"{key}.factor", $"({ae.Factor}) must divide data.image_size ({c.Data.ImageSize})");
        require(ae.LatentChannels is >= 1 and <= 64, $"{key}.latent_channels", "must be between 1 and 64");
        require(ae.Dim is >= 8 and <= 1024, $"{key}.dim", "must be between 8 and 1024");
        var mults = ae.LevelMults();
        int levels = ae.Factor is 2 or 4 or 8 ? System.Numerics.BitOperations.Log2((uint)ae.Factor) + 1 : mults.Count;
        require(mults.Count == levels && mults.All(m => m is >= 1 and <= 64), $"{key}.dim_mults", $"must be {levels} factors between 1 and 64 (one per level: log2(factor) + 1)");
        require(ae.ResBlocks is >= 1 and <= 8, $"{key}.res_blocks", "must be between 1 and 8");
        require(ae.Groups >= 1 && mults.All(m => ae.Dim * m % ae.Groups == 0), $"{key}.groups", "must divide every level's channel count (dim × each of dim_mults)");
        require(ae.PerceptualWeight >= 0 && double.IsFinite(ae.PerceptualWeight), $"{key}.perceptual_weight", "must be 0 (off) or a positive number such as 1");
        require(ae.PerceptualWeight == 0 || c.Data.ImageSize >= 32, $"{key}.perceptual_weight", "needs data.image_size of at least 32 (ResNet-18 downsamples 32×); set it to 0 for smaller images");
        require(ae.KlWeight >= 0 && double.IsFinite(ae.KlWeight), $"{key}.kl_weight", "must be 0 or a positive number such as 1e-6");
        ValidateDiscriminator(ae, c, require);
        require(c.Training.Optimizer is OptimizerKind.Adam or OptimizerKind.Adamw && c.Training.Precision == Precision.Fp32, "training.optimizer",
            "must be adam or adamw with training.precision fp32 for an autoencoder (the fused and bf16 paths are built for the U-Net)");
    }

    private static void ValidateDiscriminator(AutoencoderConfig ae, RunConfig c, Action<bool, string, string> require)
    {
        const string key = "model.autoencoder";
        require(ae.DiscriminatorWeight >= 0 && double.IsFinite(ae.DiscriminatorWeight), $"{key}.discriminator_weight", "must be 0 (no discriminator) or a positive number such as 0.5");
        require(ae.DiscriminatorStart >= 0, $"{key}.discriminator_start", "must not be negative (0 trains the discriminator from the first step)");
        require(ae.DiscriminatorLayers is >= 1 and <= 8, $"{key}.discriminator_layers", "must be between 1 and 8");
        require(ae.DiscriminatorDim is >= 8 and <= 1024, $"{key}.discriminator_dim", "must be between 8 and 1024");
        if (ae.DiscriminatorWeight <= 0 || ae.DiscriminatorLayers is < 1 or > 8) return;
        int side = Models.Autoencoder.PatchDiscriminator.PatchSide(c.Data.ImageSize, ae.DiscriminatorLayers);
        require(side >= 1, $"{key}.discriminator_layers", $"({ae.DiscriminatorLayers}) leaves no patch of a {c.Data.ImageSize}-pixel image (each layer halves it); use fewer layers");
        require(ae.DiscriminatorStart < c.Training.Steps, $"{key}.discriminator_start", $"({ae.DiscriminatorStart}) must be below training.steps ({c.Training.Steps}), or the discriminator never trains; lower it or set discriminator_weight to 0");
    }

    public static void ThrowIfInvalid(RunConfig config, string origin)
    {
        var errors = Validate(config);
        if (errors.Count > 0) throw new ConfigException($"{origin}: {errors[0]}" + (errors.Count > 1 ? $" (and {errors.Count - 1} more problem(s))" : "") + ".");
    }
}
