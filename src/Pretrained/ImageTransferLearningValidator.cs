namespace MLNetDeep.Pretrained;

/// <summary>Checks <see cref="ImageTransferLearningOptions"/> before any work, naming the option, its value and what is allowed.</summary>
internal static class ImageTransferLearningValidator
{
    public static void Validate(ImageTransferLearningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Require(!string.IsNullOrWhiteSpace(options.LabelColumnName), nameof(options.LabelColumnName), options.LabelColumnName, "a column name");
        Require(!string.IsNullOrWhiteSpace(options.ImageColumnName), nameof(options.ImageColumnName), options.ImageColumnName, "a column name");
        Require(options.Backbone is not null, nameof(options.Backbone), null, "a backbone, such as ImageBackbone.ResNet18");
        Require(options.FeatureBatchSize >= 1, nameof(options.FeatureBatchSize), options.FeatureBatchSize, "at least 1");
        Require(options.HiddenLayers is not null && options.HiddenLayers.All(h => h >= 1), nameof(options.HiddenLayers),
            options.HiddenLayers is null ? null : $"[{string.Join(", ", options.HiddenLayers)}]", "widths of at least 1 (an empty array for a linear head)");
        Require(options.DropoutRate is >= 0 and < 1, nameof(options.DropoutRate), options.DropoutRate, "from 0 up to, not including, 1");
        Require(options.L2 >= 0 && double.IsFinite(options.L2), nameof(options.L2), options.L2, "0 or more");
        Require(options.LearningRate > 0 && double.IsFinite(options.LearningRate), nameof(options.LearningRate), options.LearningRate, "a positive number");
        Require(options.Epochs >= 1, nameof(options.Epochs), options.Epochs, "at least 1");
        Require(options.BatchSize >= 1, nameof(options.BatchSize), options.BatchSize, "at least 1");
        Require(options.LabelSmoothing is >= 0 and < 1, nameof(options.LabelSmoothing), options.LabelSmoothing, "from 0 up to, not including, 1");
        Require(options.ValidationFraction is >= 0 and < 1, nameof(options.ValidationFraction), options.ValidationFraction, "from 0 up to, not including, 1");
        Require(options.NumberOfThreads is null or >= 1, nameof(options.NumberOfThreads), options.NumberOfThreads, "null or at least 1");
        if (options.HeadSelection is { } selection)
        {
            Require(selection.L2Values is { Count: > 0 } && selection.L2Values.All(v => v >= 0 && double.IsFinite(v)), "HeadSelection.L2Values",
                selection.L2Values is null ? null : $"[{string.Join(", ", selection.L2Values)}]", "at least one value, each 0 or more");
            Require(selection.Folds >= 2, "HeadSelection.Folds", selection.Folds, "at least 2");
        }
        if (options.FineTuning is { } fine)
        {
            Require(fine.UnfrozenBlocks >= 1, "FineTuning.UnfrozenBlocks", fine.UnfrozenBlocks, "at least 1 (set FineTuning to null to train the head only)");
            Require(fine.UnfrozenLayers is null || fine.UnfrozenLayers.Count > 0 && fine.UnfrozenLayers.All(n => !string.IsNullOrWhiteSpace(n)),
                "FineTuning.UnfrozenLayers", fine.UnfrozenLayers is null ? null : $"[{string.Join(", ", fine.UnfrozenLayers)}]", "null or layer names");
            Require(fine.Epochs >= 1, "FineTuning.Epochs", fine.Epochs, "at least 1");
            Require(fine.LearningRate is null || fine.LearningRate > 0 && double.IsFinite(fine.LearningRate.Value), "FineTuning.LearningRate", fine.LearningRate, "null or a positive number");
            Require(fine.HeadLearningRate is null || fine.HeadLearningRate > 0 && double.IsFinite(fine.HeadLearningRate.Value), "FineTuning.HeadLearningRate", fine.HeadLearningRate, "null or a positive number");
            Require(fine.BatchSize is null or >= 1, "FineTuning.BatchSize", fine.BatchSize, "null or at least 1");
            if (fine.EarlyStopping is { } early)
            {
                // Checked here, not by phase 2's core: that would fail only after phase 1 has run.
                Require(early.Metric == Trainers.EarlyStoppingMetric.TrainingLoss || options.ValidationSet is not null || options.ValidationFraction > 0,
                    "FineTuning.EarlyStopping.Metric", early.Metric, "TrainingLoss when there is no validation data (set ValidationFraction or ValidationSet to monitor a validation metric)");
            }
            Require(fine.RandomResizedCropMinimumArea is null or > 0 and <= 1, "FineTuning.RandomResizedCropMinimumArea", fine.RandomResizedCropMinimumArea, "null, or more than 0 and at most 1");
        }
    }

    private static void Require(bool valid, string option, object? value, string expected)
    {
        if (!valid)
            throw new ArgumentException($"ImageTransferLearningOptions.{option} is {value ?? "null"}; expected {expected}.", option);
    }
}
