using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// NumPy .npy files (format version 1.0, read also 2.0) holding little-endian float32 or float64 arrays in C order,
/// so that extracted features can be checked with numpy.load in any tool. Format: the magic "\x93NUMPY", the version
/// bytes, a little-endian header length, then a Python dict literal with descr, fortran_order and shape, padded with
/// spaces and a final '\n' so that the data starts at a multiple of 64 bytes (numpy/lib/format.py, NEP 1).
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int Alignment = 64;

    public static void Write(string path, torch.Tensor array)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using var stream = File.Create(path);
        Write(stream, array);
    }

    public static void Write(Stream stream, torch.Tensor array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        var descr = array.dtype switch
        {
            torch.ScalarType.Float32 => "<f4",
            torch.ScalarType.Float64 => "<f8",
            _ => throw new ArgumentException($"Only float32 and float64 arrays can be written as .npy here, not {array.dtype}; convert the tensor first.", nameof(array)),
        };

        var header = Header(descr, array.shape);
        stream.Write(Magic);
        stream.WriteByte(1);
        stream.WriteByte(0);
        Span<byte> length = stackalloc byte[2];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)header.Length));
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));

        using var contiguous = array.cpu().contiguous();
        if (array.dtype == torch.ScalarType.Float32)
        {
            stream.Write(MemoryMarshal.AsBytes<float>(contiguous.data<float>().ToArray()));
        }
        else
        {
            stream.Write(MemoryMarshal.AsBytes<double>(contiguous.data<double>().ToArray()));
        }
    }

    public static torch.Tensor Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The .npy file '{path}' does not exist; check the path.", path);
        }

        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    public static torch.Tensor Read(Stream stream, string name = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.ASCII, leaveOpen: true);
        var magic = reader.ReadBytes(Magic.Length);
        if (!magic.AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{name}' is not a NumPy .npy file (bad magic bytes); write it with numpy.save.");
        }

        var major = reader.ReadByte();
        _ = reader.ReadByte();
        long headerLength = major switch
        {
            1 => reader.ReadUInt16(),
            2 or 3 => reader.ReadUInt32(),
            _ => throw new InvalidDataException($"'{name}' uses .npy format version {major}, which is not supported; save it with numpy's default format."),
        };
        if (headerLength > MaxHeaderLength || (stream.CanSeek && headerLength > stream.Length - stream.Position))
        {
            throw new InvalidDataException($"The .npy header of '{name}' claims {headerLength} bytes, more than the file or any numpy header holds; write the file with numpy.save.");
        }

        var header = Encoding.ASCII.GetString(reader.ReadBytes((int)headerLength));

        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shapeMatch.Success)
        {
            throw new InvalidDataException($"The .npy header of '{name}' is malformed; write the file with numpy.save.");
        }

        if (fortran.Groups[1].Value == "True")
        {
            throw new InvalidDataException($"'{name}' is stored in Fortran order; save a C-ordered array (numpy.ascontiguousarray).");
        }

        var shape = ParseShape(shapeMatch.Groups[1].Value, name);
        var count = shape.Aggregate(1L, (a, b) => b != 0 && a > long.MaxValue / b
            ? throw new InvalidDataException($"The .npy file '{name}' declares a shape ({string.Join(", ", shape)}) too large for any file; write it again.")
            : a * b);

        switch (descr.Groups[1].Value)
        {
            case "<f4":
                {
                    var data = MemoryMarshal.Cast<byte, float>(ReadExactly(reader, count * sizeof(float), name)).ToArray();
                    return torch.tensor(data, shape, torch.float32);
                }

            case "<f8":
                {
                    var data = MemoryMarshal.Cast<byte, double>(ReadExactly(reader, count * sizeof(double), name)).ToArray();
                    return torch.tensor(data, shape, torch.float64);
                }

            default:
                throw new InvalidDataException($"'{name}' holds dtype '{descr.Groups[1].Value}', but only little-endian float32 ('<f4') and float64 ('<f8') are read; convert it with numpy's astype.");
        }
    }

    /// <summary>The header dict as numpy writes it, padded so that magic + version + length + header is a multiple of 64.</summary>
    internal static string Header(string descr, long[] shape)
    {
        var shapeText = shape.Length switch
        {
            0 => "()",
            1 => $"({shape[0].ToString(CultureInfo.InvariantCulture)},)",
            _ => $"({string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture)))})",
        };
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        var prefix = Magic.Length + 2 + 2;
        var unpadded = prefix + dict.Length + 1;
        var padding = (Alignment - (unpadded % Alignment)) % Alignment;
        return dict + new string(' ', padding) + "\n";
    }

    /// <summary>"2, 3" → [2, 3]; each side a non-negative integer, or the header is damaged.</summary>
    private static long[] ParseShape(string text, string name) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long side)
                ? side
                : throw new InvalidDataException($"The .npy header of '{name}' has a shape entry '{s}' that is not a size; write the file with numpy.save."))
            .ToArray();

    /// <summary>Reads the data, after checking that the file holds that many bytes, so a lying header cannot make us allocate them.</summary>
    private static byte[] ReadExactly(BinaryReader reader, long bytes, string name)
    {
        var stream = reader.BaseStream;
        if (bytes > Array.MaxLength || (stream.CanSeek && bytes > stream.Length - stream.Position))
        {
            long available = stream.CanSeek ? stream.Length - stream.Position : 0;
            throw new InvalidDataException($"The .npy file '{name}' is truncated or its header lies ({available} of {bytes} data bytes); write it again.");
        }

        var data = reader.ReadBytes((int)bytes);
        if (data.Length != bytes)
        {
            throw new InvalidDataException($"The .npy file '{name}' is truncated ({data.Length} of {bytes} data bytes); write it again.");
        }

        return data;
    }

    /// <summary>numpy pads headers to 64 bytes; even many-dimensional arrays stay far below this.</summary>
    private const int MaxHeaderLength = 1 << 16;

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
