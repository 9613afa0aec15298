using ScottPlot;

namespace Chapter11;

/// <summary>One line per run of a per-epoch series (validation accuracy, training loss), as the chapter's comparison plots.</summary>
public static class Curves
{
    /// <summary>Writes the series to a PNG, atomically; the file name is added to <paramref name="result"/>'s plots.</summary>
    public static void Save(ExperimentResult result, string fileName, string title, string yLabel, IEnumerable<(string Name, IReadOnlyList<double> Values)> series)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var (name, values) in series)
        {
            var points = values.Select((v, e) => (X: e + 1.0, Y: v)).Where(p => double.IsFinite(p.Y)).ToArray();
            if (points.Length == 0)
                continue;
            var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), palette.GetColor(i % 10));
            line.LegendText = name;
            line.LinePattern = i < 10 ? LinePattern.Solid : LinePattern.Dashed;
            line.LineWidth = 2;
            i++;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Edge.Right);
        string path = result.PathOf(fileName), temporary = result.PathOf("." + fileName + ".tmp.png");
        plot.SavePng(temporary, 1000, 550);
        File.Move(temporary, path, overwrite: true);
        result.Plots.Add(fileName);
    }
}
