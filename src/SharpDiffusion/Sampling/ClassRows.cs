using SharpDiffusion.Data;

namespace SharpDiffusion.Sampling;

/// <summary>Labels for a sample grid of a class-conditional model: one class per row of the default grid (<see cref="ImageCodec.DefaultColumns"/>), cycling through the classes.</summary>
public static class ClassRows
{
    /// <summary>Label of image i = (i / columns) mod classes, so row r of the grid shows class r mod classes.</summary>
    public static long[] Labels(int count, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        int columns = ImageCodec.DefaultColumns(count);
        return Enumerable.Range(0, count).Select(i => (long)(i / columns % classes)).ToArray();
    }
}
