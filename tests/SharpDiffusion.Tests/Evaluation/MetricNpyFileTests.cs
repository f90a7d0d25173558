using System.Text;
using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

public class MetricNpyFileTests
{
    [Fact]
    public void Write_Float32TwoByThree_WritesNumPyV1HeaderAndData()
    {
        using var array = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        using var stream = new MemoryStream();

        NpyFile.Write(stream, array);

        var bytes = stream.ToArray();
        // numpy.save writes: \x93NUMPY, 1, 0, header length 118 (LE), the dict, spaces, '\n'; 10 + 118 = 128 = 2·64.
        const string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        var expectedHeader = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 118, 0 };
        expectedHeader.AddRange(Encoding.ASCII.GetBytes(dict + new string(' ', 118 - dict.Length - 1) + "\n"));
        Assert.Equal(expectedHeader, bytes.Take(128));
        Assert.Equal(128 + (6 * sizeof(float)), bytes.Length);
        Assert.Equal(5.0f, BitConverter.ToSingle(bytes, 128 + (4 * sizeof(float))));
    }

    [Fact]
    public void Header_OneDimensional_UsesTrailingCommaTuple()
    {
        var header = NpyFile.Header("<f8", [5]);

        Assert.StartsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", header, StringComparison.Ordinal);
        Assert.Equal(0, (10 + header.Length) % 64);
        Assert.EndsWith("\n", header, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(torch.ScalarType.Float32)]
    [InlineData(torch.ScalarType.Float64)]
    public void WriteRead_RoundTrip_PreservesShapeDtypeAndValues(torch.ScalarType dtype)
    {
        using var array = torch.randn([3, 4, 5], generator: new torch.Generator(2)).to(dtype);
        var path = Path.Combine(Path.GetTempPath(), $"array-{Guid.NewGuid():N}.npy");
        try
        {
            NpyFile.Write(path, array);
            using var loaded = NpyFile.Read(path);

            Assert.Equal(dtype, loaded.dtype);
            Assert.Equal(array.shape, loaded.shape);
            Assert.True(array.eq(loaded).all().item<bool>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WriteRead_NonContiguousTensor_WritesCOrder()
    {
        using var array = torch.tensor(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        using var transposed = array.t();
        using var stream = new MemoryStream();

        NpyFile.Write(stream, transposed);
        stream.Position = 0;
        using var loaded = NpyFile.Read(stream);

        Assert.Equal([3L, 2L], loaded.shape);
        Assert.Equal([1.0, 4.0, 2.0, 5.0, 3.0, 6.0], loaded.data<double>().ToArray());
    }

    [Fact]
    public void Read_NotNpy_ThrowsInvalidData()
    {
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes("PK\u0003\u0004 zip, not npy"));

        Assert.Throws<InvalidDataException>(() => NpyFile.Read(stream));
    }
}
