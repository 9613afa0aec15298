using ScottPlot;

namespace MLNetDeep.Trainers.Observability;

/// <summary>
/// Draws a <see cref="TrainingHistory"/> as Keras-style learning curves: a loss panel (loss, val_loss) beside a metric
/// panel (e.g. accuracy, val_accuracy), epochs on x, the best epoch marked by a dashed vertical line in both.
/// </summary>
/// <remarks>
/// Two panels with their own y axes rather than Géron's single chart clipped to [0, 1]: cross-entropy often starts
/// above 1, and for regression both loss (MSE) and metric (RMSE) are in label units, so no shared range fits.
/// Training series are solid blue, validation series dashed orange, matching Keras' history plots.
/// Non-finite values (a diverged epoch) are left out rather than breaking the axis range.
/// </remarks>
public static class LearningCurves
{
    private static readonly Color TrainColor = Color.FromHex("#1f77b4");
    private static readonly Color ValidationColor = Color.FromHex("#ff7f0e");
    private static readonly Color BestEpochColor = Color.FromHex("#555555");

    /// <summary>Writes the learning curves of <paramref name="history"/> to a PNG file.</summary>
    /// <param name="history">The history that training returned; needs at least one epoch.</param>
    /// <param name="pngPath">Where to write the PNG; its folder is created if missing, an existing file is replaced.</param>
    /// <param name="width">Image width in pixels; default 1200 (at least 200).</param>
    /// <param name="height">Image height in pixels; default 500 (at least 150).</param>
    /// <exception cref="ArgumentException"><paramref name="history"/> has no epochs, or <paramref name="pngPath"/> is blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 200x150.</exception>
    /// <exception cref="IOException">The file cannot be written; the message names it.</exception>
    public static void Save(TrainingHistory history, string pngPath, int width = 1200, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(history);
        PlotFile.Validate(pngPath, width, height);
        if (history.Epochs.Count == 0)
        {
            throw new ArgumentException("The training history has no epochs, so there are no learning curves to draw.", nameof(history));
        }

        var figure = new Multiplot();
        figure.AddPlots(2);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        var metric = history.MetricName;
        DrawPanel(figure.GetPlot(0), history, "loss", "loss", e => e.TrainLoss, e => e.ValidationLoss);
        DrawPanel(figure.GetPlot(1), history, metric, metric, e => e.TrainMetric, e => e.ValidationMetric);
        PlotFile.Save(figure, pngPath, width, height);
    }

    private static void DrawPanel(Plot plot, TrainingHistory history, string title, string seriesName,
        Func<EpochRecord, double> train, Func<EpochRecord, double?> validation)
    {
        plot.Title(title);
        plot.YLabel(seriesName);
        PlotFile.UseEpochAxis(plot);

        AddSeries(plot, history.Epochs.Select(e => (e.Epoch, (double?)train(e))), seriesName, TrainColor, LinePattern.Solid);
        AddSeries(plot, history.Epochs.Select(e => (e.Epoch, validation(e))), $"val_{seriesName}", ValidationColor, LinePattern.Dashed);

        var best = plot.Add.VerticalLine(history.BestEpoch, 1.5f, BestEpochColor, LinePattern.Dotted);
        best.LegendText = $"best epoch ({history.BestEpoch})";
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static void AddSeries(Plot plot, IEnumerable<(int Epoch, double? Value)> points, string name, Color color, LinePattern pattern)
    {
        var finite = points.Where(p => p.Value is { } v && double.IsFinite(v)).ToArray();
        if (finite.Length == 0)
        {
            return;
        }
        var series = plot.Add.Scatter(finite.Select(p => (double)p.Epoch).ToArray(), finite.Select(p => p.Value!.Value).ToArray(), color);
        series.LegendText = name;
        series.LinePattern = pattern;
        series.LineWidth = 2;
        series.MarkerSize = 5;
    }
}
