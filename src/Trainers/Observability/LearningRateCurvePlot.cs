using System.Globalization;
using ScottPlot;

namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// Draws a learning-rate sweep as fastai and Géron do: loss against the rate on a log x axis, the smoothed loss over the
/// faint raw one, the suggested and the steepest-descent rates as dashed vertical lines.
/// </summary>
/// <remarks>
/// ScottPlot has no log axis, so rates are plotted as their log10 and the ticks are labelled with the rates. The y axis
/// stops a little above the smoothed loss's range: the raw losses of the last, diverging steps would otherwise flatten
/// the part of the curve that matters.
/// </remarks>
internal static class LearningRateCurvePlot
{
    private static readonly Color RawColor = Color.FromHex("#1f77b4").WithAlpha(0.3);
    private static readonly Color SmoothedColor = Color.FromHex("#1f77b4");
    private static readonly Color SuggestedColor = Color.FromHex("#2ca02c");
    private static readonly Color SteepestColor = Color.FromHex("#ff7f0e");
    private static readonly Color TenthOfMinimumColor = Color.FromHex("#9467bd");

    public static void Save(LearningRateCurve curve, string pngPath, int width, int height)
    {
        PlotFile.Validate(pngPath, width, height);
        var plot = new Plot();
        plot.Title("learning-rate finder");
        plot.XLabel("learning rate (log scale)");
        plot.YLabel("training loss");
        var x = curve.LearningRates.Select(Math.Log10).ToArray();
        var raw = plot.Add.Scatter(x, curve.Losses.ToArray(), RawColor);
        raw.LegendText = "loss";
        raw.MarkerSize = 0;
        var smoothed = plot.Add.Scatter(x, curve.SmoothedLosses.ToArray(), SmoothedColor);
        smoothed.LegendText = "smoothed loss";
        smoothed.MarkerSize = 0;
        smoothed.LineWidth = 2;
        // The older rule's rate can lie left of the sweep's first rate, so the axis below makes room for it.
        double tenthOfMinimum = curve.MinimumLossLearningRate / 10;
        Mark(plot, curve.SuggestedLearningRate, SuggestedColor, "suggested: valley (fastai)");
        Mark(plot, curve.SteepestDescentLearningRate, SteepestColor, "steepest descent");
        Mark(plot, tenthOfMinimum, TenthOfMinimumColor, "minimum / 10");

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = PlotFile.DecadeLabel,
        };
        var finite = curve.SmoothedLosses.Concat(curve.Losses).Where(double.IsFinite).ToList();
        double bottom = finite.Min(), top = curve.SmoothedLosses.Where(double.IsFinite).Max();
        double margin = Math.Max(top - bottom, 1e-6) * 0.05;
        double left = Math.Min(x.Min(), Math.Log10(tenthOfMinimum));
        plot.Axes.SetLimits(Math.Floor(left), Math.Ceiling(Math.Max(x.Max(), left + 1)), bottom - margin, top + margin);
        plot.ShowLegend(Edge.Right);
        PlotFile.Save(plot, pngPath, width, height);
    }

    private static void Mark(Plot plot, double rate, Color color, string label)
    {
        var line = plot.Add.VerticalLine(Math.Log10(rate), 1.5f, color, LinePattern.Dashed);
        line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{label}: {rate:G3}");
    }
}
