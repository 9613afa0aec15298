using Microsoft.ML;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Schedules;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// Every out-of-range option fails when the trainer is created, naming the option and its allowed range.
/// The cases are listed by id in docs/reliability.md (checked by <see cref="ReliabilityDocTests"/>).
/// </summary>
public sealed class OptionValidationTests : IDisposable
{
    private static readonly string ExistingFile = Path.Combine(Path.GetTempPath(), $"mlnetdeep-options-{Environment.ProcessId}.txt");

    /// <summary>Case id → (the option the message must name, how to break it).</summary>
    internal static readonly IReadOnlyDictionary<string, (string Option, Action<DeepNeuralNetworkOptions> Break)> Cases =
        new Dictionary<string, (string, Action<DeepNeuralNetworkOptions>)>
        {
            ["LabelColumnName=empty"] = ("LabelColumnName", o => o.LabelColumnName = ""),
            ["FeatureColumnName=blank"] = ("FeatureColumnName", o => o.FeatureColumnName = "  "),
            ["HiddenLayers[1]=0"] = ("HiddenLayers[1]", o => o.HiddenLayers = new[] { 4, 0 }),
            ["HiddenLayers[0]=-3"] = ("HiddenLayers[0]", o => o.HiddenLayers = new[] { -3 }),
            ["LearningRate=0"] = ("LearningRate", o => o.LearningRate = 0),
            ["LearningRate=-0.1"] = ("LearningRate", o => o.LearningRate = -0.1),
            ["LearningRate=NaN"] = ("LearningRate", o => o.LearningRate = double.NaN),
            ["LearningRate=+inf"] = ("LearningRate", o => o.LearningRate = double.PositiveInfinity),
            ["LearningRate=1e300"] = ("LearningRate", o => o.LearningRate = 1e300),
            ["Epochs=0"] = ("Epochs", o => o.Epochs = 0),
            ["Epochs=-1"] = ("Epochs", o => o.Epochs = -1),
            ["BatchSize=0"] = ("BatchSize", o => o.BatchSize = 0),
            ["BatchSize=-5"] = ("BatchSize", o => o.BatchSize = -5),
            ["BatchSize=1+BatchNormalization"] = ("BatchSize", o => { o.BatchSize = 1; o.BatchNormalization = BatchNormalizationPlacement.BeforeActivation; }),
            ["BatchSize=1+InputBatchNormalization"] = ("BatchSize", o => { o.BatchSize = 1; o.InputBatchNormalization = true; }),
            ["ValidationFraction=-0.1"] = ("ValidationFraction", o => o.ValidationFraction = -0.1),
            ["ValidationFraction=1"] = ("ValidationFraction", o => o.ValidationFraction = 1.0),
            ["ValidationFraction=NaN"] = ("ValidationFraction", o => o.ValidationFraction = double.NaN),
            ["DropoutRate=-0.1"] = ("DropoutRate", o => o.DropoutRate = -0.1),
            ["DropoutRate=1"] = ("DropoutRate", o => o.DropoutRate = 1.0),
            ["DropoutRate=1.5"] = ("DropoutRate", o => o.DropoutRate = 1.5),
            ["LabelSmoothing=-0.1"] = ("LabelSmoothing", o => o.LabelSmoothing = -0.1),
            ["LabelSmoothing=1"] = ("LabelSmoothing", o => o.LabelSmoothing = 1.0),
            ["LabelSmoothing=NaN"] = ("LabelSmoothing", o => o.LabelSmoothing = double.NaN),
            ["DropoutRate=1.5"] = ("DropoutRate", o => o.DropoutRate = 1.5),
            ["L1=-1"] = ("L1", o => o.L1 = -1),
            ["L1=NaN"] = ("L1", o => o.L1 = double.NaN),
            ["L2=-0.01"] = ("L2", o => o.L2 = -0.01),
            ["L2=+inf"] = ("L2", o => o.L2 = double.PositiveInfinity),
            ["Momentum=-0.1"] = ("Momentum", o => o.Momentum = -0.1),
            ["Momentum=1"] = ("Momentum", o => o.Momentum = 1.0),
            ["Beta1=1"] = ("Beta1", o => o.Beta1 = 1.0),
            ["Beta1=-0.5"] = ("Beta1", o => o.Beta1 = -0.5),
            ["Beta2=1"] = ("Beta2", o => o.Beta2 = 1.0),
            ["Beta2=NaN"] = ("Beta2", o => o.Beta2 = double.NaN),
            ["Epsilon=0"] = ("Epsilon", o => o.Epsilon = 0),
            ["Epsilon=-1e-8"] = ("Epsilon", o => o.Epsilon = -1e-8),
            ["Rho=1"] = ("Rho", o => o.Rho = 1.0),
            ["Rho=-0.1"] = ("Rho", o => o.Rho = -0.1),
            ["WeightDecay=-0.01"] = ("WeightDecay", o => o.WeightDecay = -0.01),
            ["ActivationAlpha=-1"] = ("ActivationAlpha", o => o.ActivationAlpha = -1),
            ["ActivationAlpha=NaN"] = ("ActivationAlpha", o => o.ActivationAlpha = double.NaN),
            ["NumberOfThreads=0"] = ("NumberOfThreads", o => o.NumberOfThreads = 0),
            ["GradientClipNorm=0"] = ("GradientClipNorm", o => o.GradientClipNorm = 0),
            ["GradientClipNorm=-1"] = ("GradientClipNorm", o => o.GradientClipNorm = -1),
            ["GradientClipNorm=NaN"] = ("GradientClipNorm", o => o.GradientClipNorm = double.NaN),
            ["GradientClipValue=0"] = ("GradientClipValue", o => o.GradientClipValue = 0),
            ["GradientClipValue=-1"] = ("GradientClipValue", o => o.GradientClipValue = -1),
            ["MaxNorm=0"] = ("MaxNorm", o => o.MaxNorm = 0),
            ["MaxNorm=-2"] = ("MaxNorm", o => o.MaxNorm = -2),
            ["Activation=undefined"] = ("Activation", o => o.Activation = (ActivationFunction)99),
            ["WeightInitializer=undefined"] = ("WeightInitializer", o => o.WeightInitializer = (WeightInitializer)99),
            ["BatchNormalization=undefined"] = ("BatchNormalization", o => o.BatchNormalization = (BatchNormalizationPlacement)99),
            ["Optimizer=undefined"] = ("Optimizer", o => o.Optimizer = (OptimizerKind)99),
            ["EarlyStopping.Patience=0"] = ("EarlyStopping.Patience", o => o.EarlyStopping = new EarlyStoppingOptions { Patience = 0, Metric = EarlyStoppingMetric.TrainingLoss }),
            ["EarlyStopping.Patience=-1"] = ("EarlyStopping.Patience", o => o.EarlyStopping = new EarlyStoppingOptions { Patience = -1, Metric = EarlyStoppingMetric.TrainingLoss }),
            ["EarlyStopping.MinDelta=-0.1"] = ("EarlyStopping.MinDelta", o => o.EarlyStopping = new EarlyStoppingOptions { MinDelta = -0.1, Metric = EarlyStoppingMetric.TrainingLoss }),
            ["EarlyStopping.Metric=undefined"] = ("EarlyStopping.Metric", o => o.EarlyStopping = new EarlyStoppingOptions { Metric = (EarlyStoppingMetric)99 }),
            ["EarlyStopping.Metric=ValidationLoss without validation"] = ("EarlyStopping.Metric", o => o.EarlyStopping = new EarlyStoppingOptions()),
            ["Plateau.Factor=0"] = ("LearningRateSchedule.Factor", o => o.LearningRateSchedule = new ReduceOnPlateauSchedule { Factor = 0, Metric = EarlyStoppingMetric.TrainingLoss }),
            ["Plateau.Factor=1.5"] = ("LearningRateSchedule.Factor", o => o.LearningRateSchedule = new ReduceOnPlateauSchedule { Factor = 1.5, Metric = EarlyStoppingMetric.TrainingLoss }),
            ["Plateau.Patience=0"] = ("LearningRateSchedule.Patience", o => o.LearningRateSchedule = new ReduceOnPlateauSchedule { Patience = 0, Metric = EarlyStoppingMetric.TrainingLoss }),
            ["Plateau.Cooldown=-1"] = ("LearningRateSchedule.Cooldown", o => o.LearningRateSchedule = new ReduceOnPlateauSchedule { Cooldown = -1, Metric = EarlyStoppingMetric.TrainingLoss }),
            ["Plateau.MinDelta=-1"] = ("LearningRateSchedule.MinDelta", o => o.LearningRateSchedule = new ReduceOnPlateauSchedule { MinDelta = -1, Metric = EarlyStoppingMetric.TrainingLoss }),
            ["Plateau.MinimumLearningRate=-1"] = ("LearningRateSchedule.MinimumLearningRate", o => o.LearningRateSchedule = new ReduceOnPlateauSchedule { MinimumLearningRate = -1, Metric = EarlyStoppingMetric.TrainingLoss }),
            ["Plateau.Metric=ValidationAccuracy"] = ("LearningRateSchedule.Metric", o => { o.ValidationFraction = 0.2; o.LearningRateSchedule = new ReduceOnPlateauSchedule { Metric = EarlyStoppingMetric.ValidationAccuracy }; }),
            ["Plateau.Metric=ValidationLoss without validation"] = ("LearningRateSchedule.Metric", o => o.LearningRateSchedule = new ReduceOnPlateauSchedule()),
            ["OneCycle.MaximumLearningRate=1e39"] = ("LearningRateSchedule.MaximumLearningRate", o => o.LearningRateSchedule = new OneCycleSchedule(100) { MaximumLearningRate = 1e39 }),
            ["OneCycle.MaximumLearningRate=NaN"] = ("LearningRateSchedule.MaximumLearningRate", o => o.LearningRateSchedule = new OneCycleSchedule(100) { MaximumLearningRate = double.NaN }),
            ["OneCycle.FinalPhaseFraction=1"] = ("LearningRateSchedule.FinalPhaseFraction", o => o.LearningRateSchedule = new OneCycleSchedule(100) { FinalPhaseFraction = 1 }),
            ["OneCycle.MinimumMomentum=-0.1"] = ("LearningRateSchedule.MinimumMomentum", o => o.LearningRateSchedule = new OneCycleSchedule(100) { MinimumMomentum = -0.1 }),
            ["OneCycle.MaximumMomentum<MinimumMomentum"] = ("LearningRateSchedule.MaximumMomentum", o => o.LearningRateSchedule = new OneCycleSchedule(100) { MaximumMomentum = 0.8, MinimumMomentum = 0.9 }),
            ["CosineDecay.MinimumLearningRate=-1"] = ("LearningRateSchedule.MinimumLearningRate", o => o.LearningRateSchedule = new CosineDecaySchedule(100) { MinimumLearningRate = -1 }),
            ["CosineDecay.MinimumLearningRate>LearningRate"] = ("LearningRateSchedule.MinimumLearningRate", o => o.LearningRateSchedule = new CosineDecaySchedule(100) { MinimumLearningRate = 1 }),
            ["CheckpointDirectory=existing file"] = ("CheckpointDirectory", o => o.CheckpointDirectory = ExistingFile),
            ["CheckpointDirectory=empty"] = ("CheckpointDirectory", o => o.CheckpointDirectory = ""),
            ["TensorBoardLogDirectory=existing file"] = ("TensorBoardLogDirectory", o => o.TensorBoardLogDirectory = ExistingFile),
        };

    public OptionValidationTests() => File.WriteAllText(ExistingFile, "not a folder");

    public void Dispose() => File.Delete(ExistingFile);

    public static TheoryData<string> CaseIds() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseIds))]
    [Trait("Reliability", "O-01")]
    public void EachBadOptionFailsAtCreationNamingTheOptionAndItsRange(string caseId)
    {
        var (option, breakIt) = Cases[caseId];
        var options = new DeepNeuralNetworkOptions();
        breakIt(options);
        var error = Assert.ThrowsAny<ArgumentException>(() => new MLContext(seed: 1).MulticlassClassification.Trainers.DeepNeuralNetwork(options));
        Assert.Contains($"DeepNeuralNetworkOptions.{option} is ", error.Message);
        Assert.Contains("expected", error.Message);
    }

    [Fact]
    [Trait("Reliability", "O-02")]
    public void AnOptionBrokenAfterCreationFailsAtFitBeforeTheDataIsRead()
    {
        var options = new DeepNeuralNetworkOptions { HiddenLayers = new[] { 4 }, Epochs = 1 };
        var trainer = new MLContext(seed: 1).MulticlassClassification.Trainers.DeepNeuralNetwork(options);
        options.LearningRate = -1;
        var error = Assert.ThrowsAny<ArgumentException>(() => trainer.Fit(new UnreadableDataView()));
        Assert.Contains("DeepNeuralNetworkOptions.LearningRate", error.Message);
    }

    [Fact]
    [Trait("Reliability", "O-03")]
    public void TheDefaultsAndEveryBoundaryValueAreAccepted()
    {
        var ml = new MLContext(seed: 1);
        ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions());
        ml.MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 1 }, BatchSize = 1, Epochs = 1, ValidationFraction = 0, DropoutRate = 0, L1 = 0, L2 = 0,
            Momentum = 0, Beta1 = 0, Beta2 = 0, Rho = 0, WeightDecay = 0, ActivationAlpha = 0, NumberOfThreads = 1,
            EarlyStopping = new EarlyStoppingOptions { Patience = 1, MinDelta = 0, Metric = EarlyStoppingMetric.TrainingLoss },
            LearningRateSchedule = new ReduceOnPlateauSchedule { Factor = 0.999, Patience = 1, Cooldown = 0, MinDelta = 0, Metric = EarlyStoppingMetric.TrainingLoss },
            CheckpointDirectory = Path.Combine(Path.GetTempPath(), "mlnetdeep-not-created-" + Guid.NewGuid().ToString("N")),
        });
    }

    [Theory]
    [InlineData("ExponentialDecay.decaySteps=0", "decaySteps")]
    [InlineData("ExponentialDecay.decayRate=0", "decayRate")]
    [InlineData("CosineDecay.decaySteps=0", "decaySteps")]
    [InlineData("OneCycle.totalSteps=0", "totalSteps")]
    [InlineData("PiecewiseConstant.values count", "values")]
    [InlineData("PiecewiseConstant.boundaries order", "boundaries")]
    [InlineData("PiecewiseConstant.values<=0", "values")]
    [InlineData("PiecewiseConstant.values>float", "values")]
    [Trait("Reliability", "O-04")]
    public void ScheduleConstructorsRejectBadParametersNamingThem(string caseId, string parameter)
    {
        Action create = caseId switch
        {
            "ExponentialDecay.decaySteps=0" => () => _ = new ExponentialDecaySchedule(0, 0.5),
            "ExponentialDecay.decayRate=0" => () => _ = new ExponentialDecaySchedule(10, 0),
            "CosineDecay.decaySteps=0" => () => _ = new CosineDecaySchedule(0),
            "OneCycle.totalSteps=0" => () => _ = new OneCycleSchedule(0),
            "PiecewiseConstant.values count" => () => _ = new PiecewiseConstantSchedule(new long[] { 1 }, new[] { 0.1 }),
            "PiecewiseConstant.boundaries order" => () => _ = new PiecewiseConstantSchedule(new long[] { 5, 2 }, new[] { 0.1, 0.01, 0.001 }),
            "PiecewiseConstant.values<=0" => () => _ = new PiecewiseConstantSchedule(new long[] { 1 }, new[] { 0.1, 0 }),
            "PiecewiseConstant.values>float" => () => _ = new PiecewiseConstantSchedule(new long[] { 1 }, new[] { 0.1, 1e39 }),
            _ => throw new ArgumentOutOfRangeException(nameof(caseId)),
        };
        var error = Assert.ThrowsAny<ArgumentException>(create);
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    [Trait("Reliability", "O-05")]
    public void AUserScheduleThatReturnsABadRateStopsTrainingNamingTheScheduleAndStep()
    {
        var ml = new MLContext(seed: 1);
        var (data, _) = SyntheticData.Blobs(ml, 40, 3, classes: 2, seed: 2);
        var options = new DeepNeuralNetworkOptions { HiddenLayers = new[] { 4 }, Epochs = 2, BatchSize = 10, LearningRateSchedule = new OverflowingSchedule() };
        var error = Assert.Throws<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(data));
        Assert.Contains("LearningRateSchedule OverflowingSchedule returned the learning rate 1E+300 at step 3", error.Message);
        Assert.Contains("float range", error.Message);
    }

    /// <summary>Fine for two steps, then a rate no float holds.</summary>
    private sealed class OverflowingSchedule : LearningRateSchedule
    {
        public OverflowingSchedule() => Interval = ScheduleInterval.Step;

        public override double LearningRate(double initialLearningRate, long t) => t < 3 ? initialLearningRate : 1e300;
    }

    /// <summary>Fails the test if anything reads it: a Fit that validates first never does.</summary>
    private sealed class UnreadableDataView : IDataView
    {
        public bool CanShuffle => false;

        public DataViewSchema Schema => throw new InvalidOperationException("the data was touched before the options were checked");

        public long? GetRowCount() => throw new InvalidOperationException("the data was touched before the options were checked");

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            throw new InvalidOperationException("the data was touched before the options were checked");

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            throw new InvalidOperationException("the data was touched before the options were checked");
    }
}
