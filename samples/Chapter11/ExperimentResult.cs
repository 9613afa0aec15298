using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Chapter11;

/// <summary>A Markdown table (each row one run), the numbers behind it, and the plots an experiment wrote.</summary>
public sealed class ExperimentResult
{
    /// <summary>Creates an empty result for the experiment that writes into <paramref name="directory"/>.</summary>
    public ExperimentResult(string title, string directory, params string[] columns)
    {
        Title = title;
        Directory = directory;
        Table = new MarkdownTable(columns);
        System.IO.Directory.CreateDirectory(directory);
    }

    /// <summary>The heading of results.md.</summary>
    public string Title { get; }

    /// <summary>The experiment's output folder.</summary>
    public string Directory { get; }

    /// <summary>The table written to results.md.</summary>
    public MarkdownTable Table { get; }

    /// <summary>Notes under the table (what was run, the book's figures).</summary>
    public List<string> Notes { get; } = new();

    /// <summary>Every number of the table by "run/metric", written to results.json; accuracies are fractions in [0, 1].</summary>
    public Dictionary<string, double> Numbers { get; } = new(StringComparer.Ordinal);

    /// <summary>The PNG files written, relative to <see cref="Directory"/>.</summary>
    public List<string> Plots { get; } = new();

    /// <summary>A path in the output folder.</summary>
    public string PathOf(string fileName) => Path.Combine(Directory, fileName);

    /// <summary>Writes results.md and results.json, each atomically.</summary>
    public void Write()
    {
        var markdown = new StringBuilder();
        markdown.AppendLine($"# {Title}").AppendLine().Append(Table.ToMarkdown()).AppendLine();
        foreach (var note in Notes)
            markdown.AppendLine(note).AppendLine();
        foreach (var plot in Plots)
            markdown.AppendLine($"![{Path.GetFileNameWithoutExtension(plot)}]({plot})").AppendLine();
        markdown.AppendLine($"Machine: {ExperimentSettings.Machine}.");
        WriteAtomically(PathOf("results.md"), markdown.ToString());
        WriteAtomically(PathOf("results.json"), JsonSerializer.Serialize(new { Title, Numbers, Plots }, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static void WriteAtomically(string path, string text)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>A GitHub Markdown table, numbers formatted invariantly.</summary>
public sealed class MarkdownTable
{
    private readonly string[] _columns;
    private readonly List<string[]> _rows = new();

    /// <summary>A table with these column headings.</summary>
    public MarkdownTable(params string[] columns) => _columns = columns;

    /// <summary>Adds a row: strings as they are, doubles with 4 decimals, null as "–".</summary>
    public void Add(params object?[] cells)
    {
        if (cells.Length != _columns.Length)
            throw new ArgumentException($"The row has {cells.Length} cells; the table has {_columns.Length} columns.");
        _rows.Add(cells.Select(c => c switch
        {
            null => "–",
            double d => d.ToString("0.0000", CultureInfo.InvariantCulture),
            float f => f.ToString("0.0000", CultureInfo.InvariantCulture),
            IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
            _ => c.ToString() ?? "",
        }).ToArray());
    }

    /// <summary>The table as Markdown.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", _columns) + " |");
        text.AppendLine("|" + string.Concat(_columns.Select(_ => " --- |")));
        foreach (var row in _rows)
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        return text.ToString();
    }
}
