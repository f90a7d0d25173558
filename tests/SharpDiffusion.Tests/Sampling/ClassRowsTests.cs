using SharpDiffusion.Sampling;

namespace SharpDiffusion.Tests.Sampling;

public class ClassRowsTests
{
    [Fact]
    public void Labels_FiveClassesIn25Images_OneClassPerRowOfFive()
    {
        long[] expected = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4];
        Assert.Equal(expected, ClassRows.Labels(25, 5));
    }

    [Fact]
    public void Labels_MoreRowsThanClasses_CycleAndLastRowMayBePartial()
    {
        // 10 images → ⌈√10⌉ = 4 columns: rows of 4, 4, 2.
        Assert.Equal([0L, 0, 0, 0, 1, 1, 1, 1, 0, 0], ClassRows.Labels(10, 2));
    }
}
