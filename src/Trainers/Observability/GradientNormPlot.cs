using ScottPlot;

namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// Draws per-layer mean gradient norms per epoch on a log y axis, one line per layer: the standard picture for
/// spotting vanishing (early layers decades below late ones) or exploding (norms climbing) gradients.
/// </summary>
/// <remarks>
/// The y axis is log10: ScottPlot has no log axis, so values are plotted as their log10 and ticks are labelled with the
/// original values. Zero, negative and non-finite norms cannot be placed on it and are left out. Layers are drawn in
/// the order they first appear; past ten layers the colours repeat with dashed, then dotted lines.
/// </remarks>
public static class GradientNormPlot
{
    private static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted];

    /// <summary>Writes the gradient-norm plot of <paramref name="epochs"/> to a PNG file.</summary>
    /// <param name="epochs">One record per epoch, as the training loop collected them; needs at least one positive finite norm.</param>
    /// <param name="pngPath">Where to write the PNG; its folder is created if missing, an existing file is replaced.</param>
    /// <param name="width">Image width in pixels; default 1000 (at least 200).</param>
    /// <param name="height">Image height in pixels; default 600 (at least 150).</param>
    /// <exception cref="ArgumentException">No record holds a positive finite norm, or <paramref name="pngPath"/> is blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 200x150.</exception>
    /// <exception cref="IOException">The file cannot be written; the message names it.</exception>
    public static void Save(IReadOnlyList<GradientNormRecord> epochs, string pngPath, int width = 1000, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        PlotFile.Validate(pngPath, width, height);

        var layers = epochs.SelectMany(e => e.MeanNormByLayer.Keys).Distinct().ToList();
        var plot = new Plot();
        plot.Title("mean gradient norm per layer");
        plot.YLabel("gradient L2 norm (log scale)");
        PlotFile.UseEpochAxis(plot);

        var palette = new ScottPlot.Palettes.Category10();
        var drawn = 0;
        double lowestLog = double.MaxValue, highestLog = double.MinValue;
        for (var i = 0; i < layers.Count; i++)
        {
            var points = epochs
                .Select(e => (e.Epoch, Norm: e.MeanNormByLayer.TryGetValue(layers[i], out var n) ? n : double.NaN))
                .Where(p => double.IsFinite(p.Norm) && p.Norm > 0)
                .ToArray();
            if (points.Length == 0)
            {
                continue;
            }
            var series = plot.Add.Scatter(
                points.Select(p => (double)p.Epoch).ToArray(),
                points.Select(p => Math.Log10(p.Norm)).ToArray(),
                palette.GetColor(i));
            series.LegendText = layers[i];
            series.LinePattern = Patterns[i / palette.Colors.Length % Patterns.Length];
            series.LineWidth = 2;
            series.MarkerSize = 5;
            drawn++;
            lowestLog = Math.Min(lowestLog, Math.Log10(points.Min(p => p.Norm)));
            highestLog = Math.Max(highestLog, Math.Log10(points.Max(p => p.Norm)));
        }
        if (drawn == 0)
        {
            throw new ArgumentException(
                $"None of the {epochs.Count} gradient-norm records holds a positive finite norm, so there is nothing to draw on a log axis.", nameof(epochs));
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = PlotFile.DecadeLabel,
        };
        // Whole decades at both ends: with ticks at powers of ten only, norms within one decade would show no labelled tick.
        var bottom = Math.Floor(lowestLog);
        var top = Math.Max(Math.Ceiling(highestLog), bottom + 1);
        plot.Axes.SetLimitsY(bottom - 0.02, top + 0.02);
        plot.ShowLegend(Edge.Right);
        PlotFile.Save(plot, pngPath, width, height);
    }
}
