using Microsoft.ML;
using MLNetDeep.Trainers.Hosting;
using MLNetDeep.Trainers.Observability;

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

    private readonly DeepNeuralNetworkOptions _options;
    private readonly LabelColumnReader _labelReader;
    private readonly int _seed;
    private readonly TrainingHost _host;

    public TrainingDataLoader(DeepNeuralNetworkOptions options, LabelColumnReader labelReader, int seed, TrainingHost host)
    {
        _options = options;
        _labelReader = labelReader;
        _seed = seed;
        _host = host;
    }

    public PreparedTrainingData Load(IDataView input, CancellationToken cancellationToken)
    {
        int width = DataViewReader.CheckFeatureColumn(input.Schema, _options.FeatureColumnName, "training");
        bool streams = DataLoadingChoice.Streams(_options, input, width, out string reason, out long? rows);
        _host.Info((streams ? "Streaming the data every epoch" : "Reading the data into memory") + $": {reason}.");
        return streams ? Stream(input, cancellationToken) : ReadInMemory(input, rows);
    }

    private InMemoryTrainingData ReadInMemory(IDataView input, long? rows)
    {
        var all = Read(input, "training", rows);
        var allTargets = TargetStatistics.Of(all.Targets, _labelReader.IsCategorical);
        if (_options.ValidationSet is { } validationSet)
        {
            var validation = Read(validationSet, "validation", null);
            RequireSameWidth(validation.FeatureCount, all.FeatureCount);
            return new InMemoryTrainingData(allTargets, all, validation, _labelReader.IsCategorical);
        }
        if (_options.ValidationFraction <= 0)
            return new InMemoryTrainingData(allTargets, all, null, _labelReader.IsCategorical);

        int validationRows = (int)Math.Round(all.RowCount * _options.ValidationFraction);
        if (validationRows < 1 || validationRows >= all.RowCount)
            throw FractionLeavesNoRows(all.RowCount, validationRows);
        var order = Enumerable.Range(0, all.RowCount).ToArray();
        new Random(_seed).Shuffle(order);
        return new InMemoryTrainingData(allTargets, all.Select(order[validationRows..]), all.Select(order[..validationRows]), _labelReader.IsCategorical);
    }

    private TrainingMatrix Read(IDataView data, string dataRole, long? rows)
    {
        var matrix = DataViewReader.Read(data, _options.FeatureColumnName, _options.LabelColumnName, _labelReader, dataRole,
            _options.SkipRowsWithNonFiniteValues, out var skipped, rows);
        WarnSkipped(skipped, matrix.RowCount, dataRole);
        return matrix;
    }

    private StreamedTrainingData Stream(IDataView input, CancellationToken cancellationToken)
    {
        int width = DataViewReader.CheckFeatureColumn(input.Schema, _options.FeatureColumnName, "training");
        var split = _options.ValidationSet is null && _options.ValidationFraction > 0 ? new ValidationSplit(_seed, _options.ValidationFraction) : null;
        var trainRows = Rows(input, "training", split is null ? null : position => !split.IsValidation(position));
        var allTargets = new TargetStatistics(_labelReader.IsCategorical);
        var train = Summary(width);
        var validation = split is null ? null : Summary(width);
        PrePass(trainRows with { Include = null }, cancellationToken, (position, row, target) =>
        {
            allTargets.Add(target);
            (validation is not null && split!.IsValidation(position) ? validation : train).Add(row, target);
        });
        if (split is not null)
        {
            if (validation!.RowCount < 1 || train.RowCount < 1)
                throw FractionLeavesNoRows(allTargets.Count, validation.RowCount);
            return new StreamedTrainingData(width, allTargets, trainRows, train, trainRows with { Include = split.IsValidation }, validation, _options.ShuffleBufferRows);
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

    private ArgumentException FractionLeavesNoRows(long rows, long validationRows) => new(
        $"ValidationFraction {_options.ValidationFraction} of {rows} rows leaves {validationRows} validation and {rows - validationRows} training rows; both need at least one.");
}
