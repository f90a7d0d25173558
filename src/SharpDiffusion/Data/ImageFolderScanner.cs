namespace SharpDiffusion.Data;

/// <summary>One candidate image file: where it is, how it is named in messages, and its class.</summary>
internal sealed record ImageFile(string FullPath, string DisplayName, int Label)
{
    /// <summary>Reads and decodes the file; an unreadable or undecodable one is a <see cref="DataException"/> naming it and <paramref name="folder"/>.</summary>
    public DecodedImage Decode(string folder)
    {
        byte[] encoded;
        try
        {
            encoded = File.ReadAllBytes(FullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"image '{DisplayName}' in '{folder}' could not be read ({e.Message}); check the file and its permissions.");
        }
        return ImageDecoder.Decode(encoded, DisplayName);
    }

    /// <summary>Reads and decodes the file, or says why not (for sources that skip bad files and report them).</summary>
    public bool TryDecode([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DecodedImage? image, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? reason)
    {
        image = null;
        byte[] encoded;
        try
        {
            encoded = File.ReadAllBytes(FullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reason = "unreadable: " + e.Message;
            return false;
        }
        return ImageDecoder.TryDecode(encoded, out image, out reason);
    }
}

/// <summary>The classes and image files found under a data folder, in a deterministic order.</summary>
internal sealed record ImageFolderListing(string Layout, IReadOnlyList<string> ClassNames, IReadOnlyList<ImageFile> Files);

/// <summary>
/// Finds the images of a data folder. Layouts: DIR/&lt;class&gt;/**/*.jpg (class subfolders);
/// DIR/&lt;class&gt;/images/*.jpg (SYSU-Shapes: only images/ is read, contours/ and annotations/ are ignored);
/// DIR/*.jpg (one class named after DIR). Classes and files are sorted ordinally.
/// </summary>
internal static class ImageFolderScanner
{
    public static readonly IReadOnlySet<string> Extensions =
        new HashSet<string>([".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"], StringComparer.OrdinalIgnoreCase); // pytorch-fid's IMAGE_EXTENSIONS

    private const string SysuImagesFolder = "images";
    private static readonly string[] SysuSideFolders = ["contours", "annotations"];

    /// <summary>Nested folders deeper than this are not searched (a guard on pathological trees).</summary>
    private const int MaxDepth = 16;

    /// <summary>A new instance each time: EnumerationOptions is mutable, and the library keeps no shared mutable state.</summary>
    private static EnumerationOptions Options => new()
    {
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
        RecurseSubdirectories = false,
    };

    public static ImageFolderListing Scan(string root)
    {
        if (File.Exists(root))
            throw new DataException($"Data path '{root}' is a file; point data.path (or --data) at the folder that holds the images.");
        if (!Directory.Exists(root))
            throw new DataException($"Data folder '{root}' does not exist; check data.path (or --data).");

        var rootInfo = new DirectoryInfo(root);
        var rootName = rootInfo.Name;
        var subfolders = rootInfo.EnumerateDirectories("*", Options).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();

        if (IsSysuClassFolder(subfolders))
            return Listing("SYSU-Shapes layout, one class", [(rootName, CollectSysu(rootInfo, rootName))]);

        var classes = new List<(string Name, List<(string, string)> Files)>();
        var anySysu = false;
        foreach (var folder in subfolders)
        {
            var sysu = HasImagesFolder(folder);
            anySysu |= sysu;
            var files = sysu ? CollectSysu(folder, folder.Name) : Collect(folder, folder.Name);
            if (files.Count > 0)
                classes.Add((folder.Name, files));
        }

        if (classes.Count > 0)
            return Listing(anySysu ? "SYSU-Shapes layout" : "class subfolders", classes);

        var loose = new List<(string, string)>();
        AddFiles(rootInfo, rootName, loose);
        if (loose.Count > 0)
            return Listing("one class", [(rootName, loose)]);

        throw new DataException(
            $"Data folder '{root}' contains no images ({string.Join(", ", Extensions.Order(StringComparer.Ordinal))}); put images in it or in one subfolder per class.");
    }

    private static ImageFolderListing Listing(string layout, List<(string Name, List<(string FullPath, string Display)> Files)> classes)
    {
        var files = new List<ImageFile>();
        for (var label = 0; label < classes.Count; label++)
        {
            foreach (var (fullPath, display) in classes[label].Files.OrderBy(f => f.Display, StringComparer.Ordinal))
                files.Add(new ImageFile(fullPath, display, label));
        }

        return new ImageFolderListing(layout, classes.Select(c => c.Name).ToList(), files);
    }

    private static bool HasImagesFolder(DirectoryInfo folder) =>
        Directory.Exists(Path.Combine(folder.FullName, SysuImagesFolder));

    /// <summary>DIR itself is one SYSU class when it has images/ and its only other folders are SYSU's side folders.</summary>
    private static bool IsSysuClassFolder(List<DirectoryInfo> subfolders) =>
        subfolders.Any(d => d.Name == SysuImagesFolder)
        && subfolders.All(d => d.Name == SysuImagesFolder || SysuSideFolders.Contains(d.Name, StringComparer.Ordinal));

    private static List<(string, string)> CollectSysu(DirectoryInfo classFolder, string displayPrefix) =>
        Collect(new DirectoryInfo(Path.Combine(classFolder.FullName, SysuImagesFolder)), $"{displayPrefix}/{SysuImagesFolder}");

    /// <summary>
    /// Image files under <paramref name="folder"/>, recursively. Symbolic links to folders below this level are not
    /// followed, so a link back up the tree cannot loop.
    /// </summary>
    private static List<(string, string)> Collect(DirectoryInfo folder, string displayPrefix)
    {
        var found = new List<(string, string)>();
        var pending = new Stack<(DirectoryInfo Folder, string Display, int Depth)>();
        pending.Push((folder, displayPrefix, 0));
        while (pending.Count > 0)
        {
            var (current, display, depth) = pending.Pop();
            AddFiles(current, display, found);
            if (depth >= MaxDepth)
                continue;
            foreach (var sub in current.EnumerateDirectories("*", Options))
            {
                if (sub.LinkTarget is null)
                    pending.Push((sub, $"{display}/{sub.Name}", depth + 1));
            }
        }

        return found;
    }

    private static void AddFiles(DirectoryInfo folder, string displayPrefix, List<(string, string)> into)
    {
        foreach (var file in folder.EnumerateFiles("*", Options))
        {
            if (Extensions.Contains(file.Extension))
                into.Add((file.FullName, $"{displayPrefix}/{file.Name}"));
        }
    }
}
