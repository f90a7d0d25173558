namespace SharpDiffusion.Config;

public sealed record DataConfig
{
    public DataSource Source { get; init; } = DataSource.Synthetic;

    /// <summary>Image folder (class subfolders, or SYSU-Shapes layout) or Fashion-MNIST folder; unused for synthetic data.</summary>
    public string? Path { get; init; }

    /// <summary>Side of the square training images, in pixels.</summary>
    public int ImageSize { get; init; } = 64;

    /// <summary>3 for RGB, 1 for grayscale; images are converted to this.</summary>
    public int Channels { get; init; } = 3;

    public ResizePolicy Resize { get; init; } = ResizePolicy.Squash;

    /// <summary>Random horizontal flip of each sample with probability ½.</summary>
    public bool Hflip { get; init; }

    /// <summary>
    /// Non-leaking augmentation (EDM) for pixel diffusion models; null: off. Independent of <see cref="Hflip"/>, which flips
    /// the data without telling the network (a plain, leaking augmentation: the reference study's "Aug").
    /// </summary>
    public AugmentConfig? Augment { get; init; }

    /// <summary>Number of images the synthetic source draws (it has 5 classes).</summary>
    public int SyntheticCount { get; init; } = 1000;

    /// <summary>Fashion-MNIST only: use the training split (60k) or the test split (10k).</summary>
    public bool TrainSplit { get; init; } = true;

    /// <summary>At most this many images are used (0 = all); handy for quick runs.</summary>
    public int Limit { get; init; }
}
