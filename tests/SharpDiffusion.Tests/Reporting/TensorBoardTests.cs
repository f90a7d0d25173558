using System.Text;
using SharpDiffusion.Reporting.TensorBoard;
using SkiaSharp;

namespace SharpDiffusion.Tests.Reporting;

public class Crc32CTests
{
    // The check value of CRC-32C (catalogue of parametrised CRC algorithms, "CRC-32/ISCSI": check=0xE3069283) and the
    // 32-byte test vectors of RFC 3720 appendix B.4.
    [Fact]
    public void Compute_CheckString_MatchesCatalogue() => Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Fact]
    public void Compute_Rfc3720Vectors_Match()
    {
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
    }

    [Fact]
    public void Masked_EmptyInput_IsTheMaskConstant() =>
        // CRC-32C of nothing is 0, and rotating 0 leaves 0, so only TFRecord's mask delta remains.
        Assert.Equal(0xA282EAD8u, Crc32C.Masked([]));
}

public class TfRecordWriterTests
{
    [Fact]
    public void Write_ThenRead_RoundTripsRecordsOfSeveralSizes()
    {
        byte[][] records = [[], "a"u8.ToArray(), Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray()];
        using var buffer = new MemoryStream();
        var writer = new TfRecordWriter(buffer);
        foreach (var r in records) writer.Write(r);

        var bytes = buffer.ToArray();
        Assert.Equal(records.Sum(r => 16 + r.Length), bytes.Length);
        Assert.Equal(records, TfRecordReader.ReadRecords(bytes));
    }

    [Fact]
    public void Read_FlippedDataByte_FailsTheChecksum()
    {
        using var buffer = new MemoryStream();
        new TfRecordWriter(buffer).Write("hello"u8);
        var bytes = buffer.ToArray();
        bytes[13] ^= 1;
        Assert.Throws<InvalidDataException>(() => TfRecordReader.ReadRecords(bytes));
    }
}

public sealed class TensorBoardWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-tb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static readonly FixedClock Clock = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250));

    [Fact]
    public void Create_NamesFileBySecondsAndHost_AndStartsWithFileVersion()
    {
        string path;
        using (var writer = TensorBoardWriter.Create(_dir, Clock)) path = writer.Path;

        Assert.Equal($"events.out.tfevents.1700000000.{Environment.MachineName}", Path.GetFileName(path));
        var first = TfRecordReader.DecodeEvent(TfRecordReader.ReadRecords(File.ReadAllBytes(path)).Single());
        Assert.Equal("brain.Event:2", first.FileVersion);
        Assert.Equal(1_700_000_000.25, first.WallTime);
    }

    [Fact]
    public void Create_TwiceInOneSecond_WritesTwoFiles()
    {
        using var a = TensorBoardWriter.Create(_dir, Clock);
        using var b = TensorBoardWriter.Create(_dir, Clock);
        Assert.NotEqual(a.Path, b.Path);
    }

    [Fact]
    public void AddScalar_DecodesToTagStepAndValue()
    {
        string path;
        using (var writer = TensorBoardWriter.Create(_dir, Clock))
        {
            path = writer.Path;
            writer.AddScalar("train/loss", 4000, 0.0625);
            writer.AddScalar("eval/fid", 88000, 59.01);
        }
        var events = TfRecordReader.ReadRecords(File.ReadAllBytes(path)).Select(TfRecordReader.DecodeEvent).ToList();

        Assert.Equal(3, events.Count);
        Assert.Equal((4000L, "train/loss", 0.0625f), (events[1].Step, events[1].Values.Single().Tag, events[1].Values.Single().Simple));
        Assert.Equal((88000L, "eval/fid", 59.01f), (events[2].Step, events[2].Values.Single().Tag, events[2].Values.Single().Simple));
    }

    [Fact]
    public void AddPng_StoresSizeColorspaceAndTheEncodedBytes()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(5, 3, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(new SKColor(10, 200, 30, 128));
        byte[] png = bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray();
        string path;
        using (var writer = TensorBoardWriter.Create(_dir, Clock))
        {
            path = writer.Path;
            writer.AddPng("samples/ema", 500, png);
        }
        var image = TfRecordReader.DecodeEvent(TfRecordReader.ReadRecords(File.ReadAllBytes(path))[1]).Values.Single();

        Assert.Equal("samples/ema", image.Tag);
        Assert.Equal((3, 5, 4), (image.Image!.Height, image.Image.Width, image.Image.Colorspace));
        Assert.Equal(png, image.Image.Png);
    }

    [Fact]
    public void AddSessionStart_WritesSessionLogStart()
    {
        string path;
        using (var writer = TensorBoardWriter.Create(_dir, Clock))
        {
            path = writer.Path;
            writer.AddSessionStart(201);
        }
        var restart = TfRecordReader.DecodeEvent(TfRecordReader.ReadRecords(File.ReadAllBytes(path))[1]);
        Assert.Equal((201L, 1), (restart.Step, restart.SessionStatus));
    }
}

public class PngHeaderTests
{
    [Theory]
    [InlineData(SKColorType.Rgba8888, SKAlphaType.Unpremul, 4)]
    [InlineData(SKColorType.Gray8, SKAlphaType.Opaque, 1)]
    public void Read_SkiaEncodedPng_GivesSizeAndChannels(SKColorType colorType, SKAlphaType alpha, int channels)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(7, 4, colorType, alpha));
        bitmap.Erase(new SKColor(90, 90, 90, 100));
        var header = PngHeader.Read(bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray());
        Assert.Equal((7, 4, channels), (header.Width, header.Height, header.Channels));
    }

    [Fact]
    public void Read_NotAPng_Throws() => Assert.Throws<InvalidDataException>(() => PngHeader.Read(Encoding.ASCII.GetBytes(new string('x', 64))));
}
