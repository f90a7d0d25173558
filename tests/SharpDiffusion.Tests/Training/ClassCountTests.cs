using SharpDiffusion.Config;
using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Training;

public class ClassCountTests
{
    private static RunConfig Config(bool conditional, int classes = 0, DataSource source = DataSource.Synthetic) => new()
    {
        Data = new DataConfig { Source = source },
        Model = new ModelConfig { ClassConditional = conditional, NumClasses = classes },
    };

    [Fact]
    public void FromData_ClassConditional_TakesTheDataCountOverTheConfigs()
    {
        Assert.Equal(2, ClassCount.FromData(Config(true, classes: 7), ["a", "b"]).Model.NumClasses);
        Assert.Equal(0, ClassCount.FromData(Config(false), ["a", "b"]).Model.NumClasses);
    }

    [Fact]
    public void WithoutData_UsesTheConfigThenTheSourcesClassesThenOne()
    {
        Assert.Equal(7, ClassCount.WithoutData(Config(true, classes: 7), out bool guessed).Model.NumClasses);
        Assert.False(guessed);
        Assert.Equal(5, ClassCount.WithoutData(Config(true), out guessed).Model.NumClasses); // synthetic shapes: 5 classes
        Assert.False(guessed);
        Assert.Equal(1, ClassCount.WithoutData(Config(true, source: DataSource.Folder), out guessed).Model.NumClasses);
        Assert.True(guessed);
    }
}
