using System.Globalization;
using ScottPlot;

namespace MLNetDeep.Trainers.Observability;

/// <summary>What both training plots share: argument checks and writing the PNG.</summary>
internal static class PlotFile
{
    /// <summary>Checks the target path and size before any drawing, so a bad argument fails fast and names itself.</summary>
    public static void Validate(string pngPath, int width, int height)
    {
        if (string.IsNullOrWhiteSpace(pngPath))
        {
            throw new ArgumentException("The PNG path must be a file path, e.g. \"runs/learning-curves.png\".", nameof(pngPath));
        }
        if (width < 200 || height < 150)
        {
            throw new ArgumentOutOfRangeException(width < 200 ? nameof(width) : nameof(height),
                $"The plot is {width}x{height} pixels; it needs at least 200x150 to leave room for axes and a legend.");
        }
    }

    /// <summary>Renders <paramref name="plot"/> to <paramref name="pngPath"/>, creating its folder.</summary>
    public static void Save(Plot plot, string pngPath, int width, int height) =>
        Save(pngPath, path => plot.SavePng(path, width, height));

    /// <summary>Renders <paramref name="figure"/> to <paramref name="pngPath"/>, creating its folder.</summary>
    public static void Save(IMultiplot figure, string pngPath, int width, int height) =>
        Save(pngPath, path => figure.SavePng(path, width, height));

    // Written beside the target and moved over it, so a reader (or a crash) never sees half a PNG.
    private static void Save(string pngPath, Action<string> write)
    {
        var fullPath = Path.GetFullPath(pngPath);
        var temporary = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileNameWithoutExtension(fullPath)}.{Guid.NewGuid():N}.tmp.png");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
            write(temporary);
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write the plot '{fullPath}': {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    /// <summary>Whole-number ticks only: the x axis counts epochs.</summary>
    public static void UseEpochAxis(Plot plot)
    {
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
    }

    /// <summary>The label of a tick at log10 value <paramref name="exponent"/>: plain near 1, scientific beyond.</summary>
    public static string DecadeLabel(double exponent)
    {
        var power = (int)Math.Round(exponent);
        return power is >= -3 and <= 3
            ? Math.Pow(10, power).ToString("0.###", CultureInfo.InvariantCulture)
            : $"1e{power}";
    }
}
