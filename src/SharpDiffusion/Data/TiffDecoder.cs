using System.Diagnostics.CodeAnalysis;
using BitMiracle.LibTiff.Classic;

namespace SharpDiffusion.Data;

/// <summary>
/// TIFF, which pytorch-fid reads through PIL and SkiaSharp does not, with BitMiracle's LibTiff.NET (a managed port of
/// libtiff, so every compression and photometric interpretation libtiff knows): the first image of the file through
/// libtiff's RGBA interface (<c>TIFFReadRGBAImageOriented</c>, top-left origin), 8 bits per channel.
/// </summary>
internal static class TiffDecoder
{
    static TiffDecoder()
    {
        // libtiff's default handlers print warnings and errors to the console; failures come back as return values,
        // which TryDecode turns into its reason, so the messages are dropped (this is libtiff's process-wide setting).
        Tiff.SetErrorHandler(new SilentHandler());
    }

    /// <summary>"II*\0" (little-endian) or "MM\0*" (big-endian); BigTIFF (43) as well.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && ((data[0] == 'I' && data[1] == 'I' && data[2] is 42 or 43 && data[3] == 0) || (data[0] == 'M' && data[1] == 'M' && data[2] == 0 && data[3] is 42 or 43));

    public static bool TryDecode(byte[] data, [NotNullWhen(true)] out DecodedImage? image, [NotNullWhen(false)] out string? reason)
    {
        image = null;
        using var stream = new MemoryStream(data, writable: false);
        using var tiff = Tiff.ClientOpen("image", "r", stream, new TiffStream());
        if (tiff is null)
        {
            reason = "truncated or corrupt TIFF";
            return false;
        }

        var width = tiff.GetField(TiffTag.IMAGEWIDTH)?[0].ToInt() ?? 0;
        var height = tiff.GetField(TiffTag.IMAGELENGTH)?[0].ToInt() ?? 0;
        if (width <= 0 || height <= 0 || width > ImageDecoder.MaxSide || height > ImageDecoder.MaxSide || (long)width * height > ImageDecoder.MaxPixels)
        {
            reason = $"{width}×{height} pixels is beyond the {ImageDecoder.MaxSide}-pixel side or {ImageDecoder.MaxPixels / 1_000_000}-megapixel limit";
            return false;
        }

        var raster = new int[width * height];
        if (!tiff.ReadRGBAImageOriented(width, height, raster, Orientation.TOPLEFT))
        {
            reason = "truncated or corrupt TIFF, or a TIFF layout libtiff cannot convert to RGBA";
            return false;
        }

        // libtiff's RGBA raster is premultiplied (it rounds c·α/255 half up for unassociated alpha), so compositing over
        // white is c + 255 − α: the same bytes ImageDecoder.CompositeOverWhite gives for straight alpha.
        var rgba = new byte[raster.Length * 4];
        for (var p = 0; p < raster.Length; p++)
        {
            var background = 255 - Tiff.GetA(raster[p]);
            rgba[4 * p] = (byte)Math.Min(255, Tiff.GetR(raster[p]) + background);
            rgba[(4 * p) + 1] = (byte)Math.Min(255, Tiff.GetG(raster[p]) + background);
            rgba[(4 * p) + 2] = (byte)Math.Min(255, Tiff.GetB(raster[p]) + background);
            rgba[(4 * p) + 3] = 255;
        }

        image = new DecodedImage(width, height, rgba);
        reason = null;
        return true;
    }

    private sealed class SilentHandler : TiffErrorHandler
    {
        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args)
        {
        }

        public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }

        public override void WarningHandler(Tiff tif, string method, string format, params object[] args)
        {
        }

        public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }
    }
}
