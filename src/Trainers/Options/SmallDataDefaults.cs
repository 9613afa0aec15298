using static System.FormattableString;

namespace MLNetDeep.Trainers.Options;

/// <summary>
/// The size-dependent defaults of <see cref="TrainingOptions"/> (documented on
/// <see cref="TrainingOptions.ValidationFraction"/>): on 100 to 50,000 rows, with no validation or early stopping
/// chosen, hold out 15 %, stop early on the validation loss, and train with a 200-epoch ceiling; up to 10,000 rows,
/// with one hidden layer of 100 and L2 0.001 for class labels, L2 10 / n for a numeric label. The numbers are the ones
/// measured in BENCHMARKS.md, "Tabular data".
/// </summary>
internal static class SmallDataDefaults
{
    /// <summary>Fewer usable rows than this keep every row for training: 15 % of them is too few to stop on.</summary>
    public const int MinimumRows = 100;

    /// <summary>More usable rows than this keep every row for training and the 10-epoch default.</summary>
    public const int MaximumRows = 50_000;

    /// <summary>The fraction held out for validation.</summary>
    public const double ValidationFraction = 0.15;

    /// <summary>Epochs without a lower validation loss before training stops.</summary>
    public const int Patience = 10;

    /// <summary>The epoch ceiling (scikit-learn's <c>max_iter</c>); early stopping ends training sooner.</summary>
    public const int Epochs = 200;

    /// <summary>
    /// The L2 penalty factor for class labels, up to <see cref="CompactMaximumRows"/> rows. A cross-entropy is lowest
    /// with ever more confident logits, so a penalty on the weights fights the fit itself on a clean table: 0.01 cost
    /// breast-cancer 0.9 points and digits 1.6 with the 100-wide network (BENCHMARKS.md, "A smaller network for small tables").
    /// </summary>
    public const double ClassificationL2 = 1e-3;

    /// <summary>
    /// c in the L2 factor c / n for a numeric label and n usable rows, up to <see cref="CompactMaximumRows"/> rows. A
    /// squared error has its minimum at finite weights, and the noisy few-hundred-row regression (diabetes, 354 rows)
    /// needs the shrinkage of a linear model: 0.001 left it 10 % behind SDCA, 0.03 matches it. A fixed 0.03 ruins a
    /// clean one (diamonds drawn down to 4,800 training rows: RMSE 938 against 696 at 0.001, 100-wide network): the penalty is added to the mean loss, so its weight
    /// against the data has to fall as the rows grow, and c / n keeps it constant against the summed loss of all rows (a
    /// fixed prior on the weights). c = 10 gives diabetes 0.028 and the 4,800-row table 0.002 (BENCHMARKS.md, "A smaller
    /// network for small tables").
    /// </summary>
    public const double RegressionL2RowScale = 10;

    /// <summary>The automatic L2 factor for a numeric label on <paramref name="rows"/> usable rows, within the compact range.</summary>
    public static double RegressionL2(long rows) => RegressionL2RowScale / rows;

    /// <summary>
    /// The hidden widths for class labels up to <see cref="CompactMaximumRows"/> rows: one layer of 100, scikit-learn's
    /// MLP default. A numeric label keeps <see cref="OtherwiseHiddenLayers"/>: on a clean 4,800-row regression (diamonds
    /// drawn down to 6,000 rows) the 100-wide network was 5 % worse, and the row-scaled L2 alone brings diabetes level
    /// with the linear model.
    /// </summary>
    public static readonly IReadOnlyList<int> CompactHiddenLayers = [100];

    /// <summary>The hidden widths otherwise: Géron's Fashion-MNIST MLP.</summary>
    public static readonly IReadOnlyList<int> OtherwiseHiddenLayers = [300, 100];

    /// <summary>
    /// More usable rows than this get no automatic L2 and the 300-100 network: L2 helped the tables of up to 1,904
    /// training rows, and 0.001 cost letter (16,000) 5 points of accuracy, where the network under-fits rather than
    /// over-fits and needs its width.
    /// </summary>
    public const int CompactMaximumRows = 10_000;

    /// <summary>The epochs an unset <see cref="TrainingOptions.Epochs"/> means when the small-data defaults do not apply.</summary>
    public const int OtherwiseEpochs = 10;

    /// <summary>Whether the user left every option that decides validation unset, so the row count decides it.</summary>
    public static bool Eligible(TrainingOptions options) =>
        options.ValidationFraction is null && options.ValidationSet is null && options.EarlyStopping is null;

    /// <summary>Whether the small-data defaults apply to <paramref name="rows"/> usable training rows.</summary>
    public static bool Apply(TrainingOptions options, long rows) => Eligible(options) && rows is >= MinimumRows and <= MaximumRows;

    /// <summary>
    /// A copy of <paramref name="options"/> with every unset option that depends on the data's size resolved for
    /// <paramref name="rows"/> usable training rows; the user's object is left as it is, so another Fit resolves again.
    /// When the row count decided, the choice is passed to <paramref name="log"/> in one line.
    /// </summary>
    public static TrainingOptions Resolve(TrainingOptions options, long rows, bool classLabels, Action<string> log)
    {
        var resolved = options.Copy();
        bool small = Apply(options, rows);
        if (small)
        {
            resolved.ValidationFraction = ValidationFraction;
            resolved.EarlyStopping = new EarlyStoppingOptions { Metric = EarlyStoppingMetric.ValidationLoss, Patience = Patience, RestoreBestWeights = true };
        }
        resolved.ValidationFraction ??= 0;
        resolved.Epochs ??= small ? Epochs : OtherwiseEpochs;
        bool compact = small && rows <= CompactMaximumRows;
        resolved.L2 ??= compact ? (classLabels ? ClassificationL2 : RegressionL2(rows)) : 0;
        // The 100-wide network is for class labels: a clean regression needs the width (BENCHMARKS.md).
        resolved.ResolveArchitecture(compact && classLabels);
        if (Eligible(options))
            log(Describe(options, resolved, rows, small, compact, classLabels));
        return resolved;
    }

    private static string Describe(TrainingOptions user, TrainingOptions resolved, long rows, bool small, bool compact, bool classLabels)
    {
        string epochs = Invariant($"{resolved.Epochs} epochs") + (user.Epochs is null ? "" : " (set)");
        // A row-scaled L2 is shown with 3 significant digits and its rule.
        bool scaled = user.L2 is null && compact && !classLabels;
        string l2 = (scaled ? Invariant($"L2 {resolved.L2:G3} ({RegressionL2RowScale:0} / rows)") : Invariant($"L2 {resolved.L2}")) + (user.L2 is null ? "" : " (set)");
        // The image trainer's options have no hidden widths of their own to report.
        string hidden = user is DeepNeuralNetworkOptions original && resolved is DeepNeuralNetworkOptions { HiddenLayers: { } widths }
            ? ", hidden layers " + (widths.Length == 0 ? "none" : string.Join("-", widths)) + (original.HiddenLayers is null ? "" : " (set)")
            : "";
        string count = Invariant($"{rows:N0}");
        if (small)
        {
            return Invariant($"Small data ({count} rows): holding out {ValidationFraction * 100:0} %") + (classLabels ? " (stratified by class)" : "") +
                Invariant($" for validation, early stopping on validation loss (patience {Patience}, best weights restored), up to {epochs}, {l2}") + hidden + ". " +
                "Set ValidationFraction (0 trains on every row), ValidationSet or EarlyStopping to choose otherwise.";
        }
        string which = rows < MinimumRows ? Invariant($"Few rows ({count}, under {MinimumRows})") : Invariant($"Many rows ({count}, over {MaximumRows:N0})");
        return which + $": training on every row without validation or early stopping, {epochs}, {l2}{hidden}.";
    }
}
