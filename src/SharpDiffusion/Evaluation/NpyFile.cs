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
/// Also a 0-d unicode string ('&lt;U<i>n</i>', UTF-32LE), what <c>numpy.savez(f, name="text")</c> stores for a string.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int Alignment = 64;

    /// <summary>Longest header read; numpy itself refuses headers over 10,000 bytes by default (max_header_size).</summary>
    private const int MaxHeaderBytes = 65536;

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

        WriteHeader(stream, descr, array.shape);
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

    /// <summary>Writes <paramref name="text"/> as a 0-d unicode array, as numpy.save(f, numpy.array(text)) does.</summary>
    public static void WriteString(Stream stream, string text)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(text);
        var codePoints = text.EnumerateRunes().Select(r => r.Value).ToArray();
        WriteHeader(stream, string.Create(CultureInfo.InvariantCulture, $"<U{codePoints.Length}"), []);
        stream.Write(MemoryMarshal.AsBytes<int>(codePoints));
    }

    /// <summary>Reads a 0-d unicode array written by <see cref="WriteString"/> or numpy.</summary>
    public static string ReadString(Stream stream, string name = "stream", long maxDataBytes = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.ASCII, leaveOpen: true);
        var (descr, shape) = ReadHeader(reader, name);
        var unicode = UnicodePattern().Match(descr);
        if (!unicode.Success || shape.Length != 0)
        {
            throw new InvalidDataException($"'{name}' holds a {descr} array of shape ({string.Join(", ", shape)}), not a text string.");
        }

        var length = long.Parse(unicode.Groups[1].Value, CultureInfo.InvariantCulture);
        var bytes = ReadExactly(reader, checked(length * 4), name, maxDataBytes);
        var text = new StringBuilder();
        foreach (var codePoint in MemoryMarshal.Cast<byte, int>(bytes))
        {
            if (codePoint == 0)
            {
                break; // numpy pads shorter strings of a wider dtype with NULs
            }

            text.Append(char.ConvertFromUtf32(codePoint));
        }

        return text.ToString();
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

    /// <summary>
    /// Reads a float32/float64 array, or with <paramref name="integers"/> also an int64 one (reference timesteps of fixtures;
    /// every file a user gives holds floats, so an integer array there stays an error naming its dtype).
    /// <paramref name="maxDataBytes"/> bounds what the header may ask for, so a file that declares a huge array (or a zip
    /// member that would inflate to one) is refused before anything is allocated.
    /// </summary>
    public static torch.Tensor Read(Stream stream, string name = "stream", long maxDataBytes = long.MaxValue, bool integers = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.ASCII, leaveOpen: true);
        var (descr, shape) = ReadHeader(reader, name);
        var count = shape.Aggregate(1.0, (a, d) => a * d) <= long.MaxValue / sizeof(double) ? shape.Aggregate(1L, (a, d) => a * d)
            : throw new InvalidDataException($"'{name}' declares a shape ({string.Join(", ", shape)}) too large for any file; check that it is the file you meant.");

        switch (descr)
        {
            case "<f4":
                {
                    var data = MemoryMarshal.Cast<byte, float>(ReadExactly(reader, checked(count * sizeof(float)), name, maxDataBytes)).ToArray();
                    return torch.tensor(data, shape, torch.float32);
                }

            case "<f8":
                {
                    var data = MemoryMarshal.Cast<byte, double>(ReadExactly(reader, checked(count * sizeof(double)), name, maxDataBytes)).ToArray();
                    return torch.tensor(data, shape, torch.float64);
                }

            case "<i8" when integers:
                {
                    var data = MemoryMarshal.Cast<byte, long>(ReadExactly(reader, checked(count * sizeof(long)), name, maxDataBytes)).ToArray();
                    return torch.tensor(data, shape, torch.int64);
                }

            default:
                throw new InvalidDataException($"'{name}' holds dtype '{descr}', but only little-endian float32 ('<f4') and float64 ('<f8') are read; convert it with numpy's astype.");
        }
    }

    private static void WriteHeader(Stream stream, string descr, long[] shape)
    {
        var header = Header(descr, shape);
        stream.Write(Magic);
        stream.WriteByte(1);
        stream.WriteByte(0);
        Span<byte> length = stackalloc byte[2];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)header.Length));
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));
    }

    private static (string Descr, long[] Shape) ReadHeader(BinaryReader reader, string name)
    {
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
        if (headerLength > MaxHeaderBytes)
        {
            throw new InvalidDataException($"The .npy header of '{name}' declares {headerLength} bytes, more than the {MaxHeaderBytes} read; write the file with numpy.save.");
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

        var shape = shapeMatch.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d
                : throw new InvalidDataException($"The .npy header of '{name}' has a malformed shape; write the file with numpy.save."))
            .ToArray();
        return (descr.Groups[1].Value, shape);
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

    private static byte[] ReadExactly(BinaryReader reader, long bytes, string name, long maxBytes)
    {
        if (bytes > Math.Min(maxBytes, Array.MaxLength))
        {
            throw new InvalidDataException($"'{name}' declares {bytes} data bytes, more than the {Math.Min(maxBytes, Array.MaxLength)} accepted here; check that it is the file you meant.");
        }

        var stream = reader.BaseStream; // a lying header must not make us allocate what the file does not hold
        if (stream.CanSeek && bytes > stream.Length - stream.Position)
        {
            throw new InvalidDataException($"The .npy file '{name}' is truncated or its header lies ({stream.Length - stream.Position} of {bytes} data bytes); write it again.");
        }

        var data = reader.ReadBytes((int)bytes);
        if (data.Length != bytes)
        {
            throw new InvalidDataException($"The .npy file '{name}' is truncated ({data.Length} of {bytes} data bytes); write it again.");
        }

        return data;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    [GeneratedRegex(@"^<U(\d{1,9})$")]
    private static partial Regex UnicodePattern();
}
