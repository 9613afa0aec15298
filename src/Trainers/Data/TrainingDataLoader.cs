using Microsoft.ML;
using MLNetDeep.Trainers.Hosting;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Options;

namespace MLNetDeep.Trainers.Data;

/// <summary>
/// Reads, checks and splits the training data and the validation data, in memory or by a streamed pre-pass
/// (<see cref="DataLoadingChoice"/>): both reject and skip the same rows, with the same errors and warnings.
/// </summary>
internal sealed class TrainingDataLoader
{
    // The post-epoch output check runs the network on this many first training rows.
    internal const int FirstRowsKept = 256;
    private const int RowsPerCancellationCheck = 4096;

    private readonly TrainingOptions _options;
    private readonly LabelColumnReader _labelReader;
    private readonly int _seed;
    private readonly TrainingHost _host;

    public TrainingDataLoader(TrainingOptions options, LabelColumnReader labelReader, int seed, TrainingHost host)
    {
        _options = options;
        _labelReader = labelReader;
        _seed = seed;
        _host = host;
    }

    public PreparedTrainingData Load(IDataView input, CancellationToken cancellationToken) => Load(input, cancellationToken, out _);

    /// <summary>Reads and splits the data; <paramref name="resolved"/> gets the options with the size-dependent defaults resolved (<see cref="SmallDataDefaults"/>).</summary>
    public PreparedTrainingData Load(IDataView input, CancellationToken cancellationToken, out TrainingOptions resolved)
    {
        int width = DataViewReader.CheckFeatureColumn(input.Schema, _options.FeatureColumnName, "training");
        bool streams = DataLoadingChoice.Streams(_options, input, width, out string reason, out long? rows);
        _host.Info((streams ? "Streaming the data every epoch" : "Reading the data into memory") + $": {reason}.");
        return streams ? Stream(input, cancellationToken, out resolved) : ReadInMemory(input, rows, out resolved);
    }

    private TrainingOptions Resolve(long rows) => SmallDataDefaults.Resolve(_options, rows, _labelReader.IsCategorical, _host.Info);

    private InMemoryTrainingData ReadInMemory(IDataView input, long? rows, out TrainingOptions resolved)
    {
        var all = Read(input, "training", rows);
        resolved = Resolve(all.RowCount);
        double fraction = resolved.HeldOutFraction;
        var allTargets = TargetStatistics.Of(all.Targets, _labelReader.IsCategorical);
        if (_options.ValidationSet is { } validationSet)
        {
            var validation = Read(validationSet, "validation", null);
            RequireSameWidth(validation.FeatureCount, all.FeatureCount);
            return new InMemoryTrainingData(allTargets, all, validation, _labelReader.IsCategorical);
        }
        if (fraction <= 0)
            return new InMemoryTrainingData(allTargets, all, null, _labelReader.IsCategorical);

        if (_labelReader.IsCategorical)
        {
            var (trainRows, validationRows) = StratifiedSplit.Split(all.Targets, fraction, _seed);
            if (validationRows.Length < 1 || trainRows.Length < 1)
                throw FractionLeavesNoRows(fraction, all.RowCount, validationRows.Length);
            return new InMemoryTrainingData(allTargets, all.Select(trainRows), all.Select(validationRows), _labelReader.IsCategorical);
        }
        int validationCount = (int)Math.Round(all.RowCount * fraction);
        if (validationCount < 1 || validationCount >= all.RowCount)
            throw FractionLeavesNoRows(fraction, all.RowCount, validationCount);
        var order = Enumerable.Range(0, all.RowCount).ToArray();
        new Random(_seed).Shuffle(order);
        return new InMemoryTrainingData(allTargets, all.Select(order[validationCount..]), all.Select(order[..validationCount]), _labelReader.IsCategorical);
    }

    private TrainingMatrix Read(IDataView data, string dataRole, long? rows)
    {
        var matrix = DataViewReader.Read(data, _options.FeatureColumnName, _options.LabelColumnName, _labelReader, dataRole,
            _options.SkipRowsWithNonFiniteValues, out var skipped, rows);
        WarnSkipped(skipped, matrix.RowCount, dataRole);
        return matrix;
    }

    private StreamedTrainingData Stream(IDataView input, CancellationToken cancellationToken, out TrainingOptions resolved)
    {
        if (!SmallDataDefaults.Eligible(_options))
        {
            resolved = Resolve(0);
            return Stream(input, cancellationToken, resolved.HeldOutFraction);
        }
        // The row count decides the split, and it is known only after a pass: read without one, and if the
        // small-data defaults apply, read again with their split (at most 50,000 rows, so the second pass is short).
        var whole = Stream(input, cancellationToken, 0);
        resolved = Resolve(whole.AllTargets.Count);
        return resolved.HeldOutFraction > 0 ? Stream(input, cancellationToken, resolved.HeldOutFraction) : whole;
    }

    private StreamedTrainingData Stream(IDataView input, CancellationToken cancellationToken, double fraction)
    {
        int width = DataViewReader.CheckFeatureColumn(input.Schema, _options.FeatureColumnName, "training");
        bool splits = _options.ValidationSet is null && fraction > 0;
        // Class labels: decided per class in the pre-pass and kept (stratified); otherwise a per-row hash of the position.
        var stratified = splits && _labelReader.IsCategorical ? new StratifiedStreamingSplit(_seed, fraction) : null;
        var hashed = splits && stratified is null ? new ValidationSplit(_seed, fraction) : null;
        Func<long, bool>? isValidation = stratified is not null ? stratified.IsValidation : hashed is not null ? hashed.IsValidation : null;
        var trainRows = Rows(input, "training", isValidation is null ? null : position => !isValidation(position));
        var allTargets = new TargetStatistics(_labelReader.IsCategorical);
        var train = Summary(width);
        var validation = splits ? Summary(width) : null;
        PrePass(trainRows with { Include = null }, cancellationToken, (position, row, target) =>
        {
            allTargets.Add(target);
            bool toValidation = stratified is not null ? stratified.Decide(position, target) : hashed is not null && hashed.IsValidation(position);
            (toValidation ? validation! : train).Add(row, target);
        });
        if (isValidation is not null)
        {
            if (validation!.RowCount < 1 || train.RowCount < 1)
                throw FractionLeavesNoRows(fraction, allTargets.Count, validation.RowCount);
            return new StreamedTrainingData(width, allTargets, trainRows, train, trainRows with { Include = isValidation }, validation, _options.ShuffleBufferRows);
        }
        if (_options.ValidationSet is not { } validationSet)
            return new StreamedTrainingData(width, allTargets, trainRows, train, null, null, _options.ShuffleBufferRows);

        RequireSameWidth(DataViewReader.CheckFeatureColumn(validationSet.Schema, _options.FeatureColumnName, "validation"), width);
        var validationRows = Rows(validationSet, "validation", null);
        validation = Summary(width);
        PrePass(validationRows, cancellationToken, (_, row, target) => validation.Add(row, target));
        return new StreamedTrainingData(width, allTargets, trainRows, train, validationRows, validation, _options.ShuffleBufferRows);
    }

    private StreamedRows Rows(IDataView data, string dataRole, Func<long, bool>? include) =>
        new(data, _options.FeatureColumnName, _options.LabelColumnName, _labelReader, dataRole, _options.SkipRowsWithNonFiniteValues, include);

    private StreamedSubsetSummary Summary(int width) =>
        new(width, _labelReader.IsCategorical, FirstRowsKept, _options.CheckpointDirectory is not null);

    /// <summary>One pass over every usable row of <paramref name="rows"/>: errors and skips as in memory, the rest to <paramref name="add"/>.</summary>
    private void PrePass(StreamedRows rows, CancellationToken cancellationToken, Action<long, float[], float> add)
    {
        using var cursor = rows.Open();
        var row = new float[cursor.Width];
        long kept = 0;
        while (cursor.MoveNext(row, out float target))
        {
            add(cursor.Position, row, target);
            if (++kept % RowsPerCancellationCheck == 0)
                cancellationToken.ThrowIfCancellationRequested();
        }
        if (kept == 0)
            throw cursor.NoRows();
        WarnSkipped(cursor.Skipped, kept, rows.DataRole);
    }

    private void WarnSkipped(SkippedRows skipped, long keptRows, string dataRole)
    {
        if (skipped.Count == 0)
            return;
        _host.Warning($"Skipped {skipped.Count} of {skipped.Count + keptRows} rows of the {dataRole} data (first at row {skipped.FirstRow}) " +
            $"with a non-finite value in '{_options.FeatureColumnName}' or a missing or non-finite '{_options.LabelColumnName}' (SkipRowsWithNonFiniteValues).");
    }

    private void RequireSameWidth(int validationWidth, int trainWidth)
    {
        if (validationWidth != trainWidth)
            throw new ArgumentException($"ValidationSet's '{_options.FeatureColumnName}' vectors have {validationWidth} values; the training data's have {trainWidth}.");
    }

    private static ArgumentException FractionLeavesNoRows(double fraction, long rows, long validationRows) => new(
        $"ValidationFraction {fraction} of {rows} rows leaves {validationRows} validation and {rows - validationRows} training rows; both need at least one.");
}
