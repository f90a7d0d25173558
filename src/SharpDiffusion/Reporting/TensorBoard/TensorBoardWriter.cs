using System.Globalization;

namespace SharpDiffusion.Reporting.TensorBoard;

/// <summary>
/// Writes one TensorBoard event file, <c>events.out.tfevents.&lt;unix seconds&gt;.&lt;host&gt;</c>, in a folder
/// (a run's <c>tb/</c>). Each process opens its own file, so training, a resumed training and a later <c>ddpm eval</c>
/// can all add to the same folder; TensorBoard reads every file in it. Records are flushed as they are written, so
/// a crash loses at most the record being written (TensorBoard stops reading at a torn record).
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    public const string FolderName = "tb";

    private readonly TfRecordWriter _records;
    private readonly TimeProvider _clock;

    private TensorBoardWriter(string path, FileStream file, TimeProvider clock)
    {
        Path = path;
        _clock = clock;
        _records = new TfRecordWriter(file);
        Write(EventEncoder.FileVersionEvent(Now()));
    }

    /// <summary>The event file being written.</summary>
    public string Path { get; }

    /// <summary>Creates <paramref name="folder"/> if needed and opens a new event file in it.</summary>
    public static TensorBoardWriter Create(string folder, TimeProvider? clock = null)
    {
        clock ??= TimeProvider.System;
        Directory.CreateDirectory(folder);
        long seconds = clock.GetUtcNow().ToUnixTimeSeconds();
        string host = Environment.MachineName;
        string name = string.Create(CultureInfo.InvariantCulture, $"events.out.tfevents.{seconds}.{host}");
        // Writers opened in the same second (training and one or more evals, in any processes) need distinct files: the
        // name is claimed by creating the file exclusively, so two processes can never pick the same one.
        for (int i = 0; ; i++)
        {
            string path = System.IO.Path.Combine(folder, i == 0 ? name : string.Create(CultureInfo.InvariantCulture, $"{name}.{i}"));
            if (TryCreateNew(path) is { } file) return new TensorBoardWriter(path, file, clock);
        }
    }

    private static FileStream? TryCreateNew(string path)
    {
        if (File.Exists(path)) return null;
        try
        {
            return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null; // another process created it between the check and the open
        }
    }

    public void AddScalar(string tag, long step, double value) => Write(EventEncoder.Scalar(Now(), step, tag, (float)value));

    /// <summary>Adds an already-encoded PNG; its size and channels are read from its header.</summary>
    public void AddPng(string tag, long step, byte[] png)
    {
        var header = PngHeader.Read(png);
        Write(EventEncoder.Image(Now(), step, tag, header.Height, header.Width, header.Channels, png));
    }

    /// <summary>Marks a restart at <paramref name="step"/>; TensorBoard drops older events at that step and after.</summary>
    public void AddSessionStart(long step) => Write(EventEncoder.SessionStart(Now(), step));

    public void Dispose() => _records.Dispose();

    private void Write(byte[] record)
    {
        _records.Write(record);
        _records.Flush();
    }

    private double Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
}
