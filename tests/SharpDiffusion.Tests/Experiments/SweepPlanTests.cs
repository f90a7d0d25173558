using SharpDiffusion.Cli.Commands;
using SharpDiffusion.Config;
using SharpDiffusion.Experiments;

namespace SharpDiffusion.Tests.Experiments;

public sealed class SweepPlanTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-sweep-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string file, string json)
    {
        string path = Path.Combine(_dir, file);
        File.WriteAllText(path, json);
        return path;
    }

    private string Base() => Write("base.json", """{ "name": "baseline", "training": { "steps": 70000, "lr": 1e-4 } }""");

    [Fact]
    public void Create_ConfigsWithExtends_RunFolderPerConfigNameInGivenOrder()
    {
        string baseline = Base();
        string lowLr = Write("exp1.json", """{ "extends": "base.json", "name": "exp1-low-lr", "training": { "lr": 2e-5 } }""");
        string outRoot = Path.Combine(_dir, "runs");

        var runs = SweepPlan.Create([lowLr, baseline], outRoot, p => ConfigLoader.Load(p, ["training.steps=7"]));

        Assert.Equal(["exp1-low-lr", "baseline"], runs.Select(r => r.Name));
        Assert.Equal([Path.Combine(outRoot, "exp1-low-lr"), Path.Combine(outRoot, "baseline")], runs.Select(r => r.Run.Root));
        Assert.Equal([lowLr, baseline], runs.Select(r => r.ConfigPath));
        Assert.Equal([2e-5, 1e-4], runs.Select(r => r.Config.Training.Lr));
        Assert.All(runs, r => Assert.Equal(7, r.Config.Training.Steps)); // overrides reach every config
    }

    [Fact]
    public void Create_MissingConfigs_NamesEveryMissingFileAndLoadsNothing()
    {
        string baseline = Base();
        string missingA = Path.Combine(_dir, "exp9.json"), missingB = Path.Combine(_dir, "typo.json");
        int loads = 0;

        var e = Assert.Throws<SweepException>(() => SweepPlan.Create([baseline, missingA, missingB], _dir, p =>
        {
            loads++;
            return ConfigLoader.Load(p);
        }));

        Assert.Contains(missingA, e.Message, StringComparison.Ordinal);
        Assert.Contains(missingB, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(baseline, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, loads);
    }

    [Fact]
    public void Create_TwoConfigsWithOneName_RefusesNamingBothFiles()
    {
        string baseline = Base();
        string copy = Write("copy.json", """{ "extends": "base.json", "training": { "lr": 3e-4 } }"""); // inherits name "baseline"

        var e = Assert.Throws<SweepException>(() => SweepPlan.Create([baseline, copy], _dir, p => ConfigLoader.Load(p)));

        Assert.Contains(baseline, e.Message, StringComparison.Ordinal);
        Assert.Contains(copy, e.Message, StringComparison.Ordinal);
        Assert.Contains("'baseline'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("..")]
    public void Create_NameThatIsNotAFolderName_Refuses(string name)
    {
        string config = Write("odd.json", $$"""{ "name": "{{name}}" }""");
        Assert.Throws<SweepException>(() => SweepPlan.Create([config], _dir, p => ConfigLoader.Load(p)));
    }

    [Fact]
    public void Create_NoConfigs_Refuses() =>
        Assert.Throws<SweepException>(() => SweepPlan.Create([], _dir, p => ConfigLoader.Load(p)));

    [Fact]
    public void SweepCommandPlan_DataAndDevice_ReachEveryConfigAsTrainWouldSetThem()
    {
        string a = Write("a.json", """{ "name": "a", "data": { "source": "synthetic" } }""");
        string b = Write("b.json", """{ "name": "b", "data": { "source": "synthetic" } }""");
        string images = Path.Combine(_dir, "images");

        var runs = SweepCommand.Plan([a, b], _dir, new TrainSettings { Data = images, Device = "cpu", Set = ["seed=5"] });

        Assert.All(runs, r =>
        {
            Assert.Equal(images, r.Config.Data.Path);
            Assert.Equal(DataSource.Folder, r.Config.Data.Source); // --data on a synthetic config means "this folder instead"
            Assert.Equal("cpu", r.Config.Training.Device);
            Assert.Equal(5, r.Config.Seed);
        });
    }
}
