using Microsoft.ML;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Training.Callbacks;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// A new network starts from a trained one's hidden layers (Keras' model_B_on_A): the copied tensors equal the source's,
/// stay bit-identical (weights and batch-norm statistics) while frozen, change once unfrozen, and a mismatch names the
/// layer and both shapes.
/// </summary>
public sealed class ReusedLayersTests
{
    private const int Features = 12;

    private static (IDataView Data, MulticlassDeepNeuralNetworkTransformer Model) ModelA()
    {
        var data = SyntheticData.Blobs(new MLContext(seed: 0), 300, Features, classes: 4, seed: 5, spread: 1.5f).Data;
        var model = new MLContext(seed: 1).MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 32, 16 },
            InputBatchNormalization = true,
            BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
            Epochs = 2,
            BatchSize = 16,
            Seed = 3,
            NumberOfThreads = 1,
        }).Fit(data);
        return (data, model);
    }

    private static DeepNeuralNetworkOptions OptionsB(ReusedLayers reused, int epochs, int[]? hidden = null) => new()
    {
        HiddenLayers = hidden ?? new[] { 32, 16 },
        InputBatchNormalization = true,
        BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
        DropoutRate = 0.1,
        Epochs = epochs,
        BatchSize = 16,
        ValidationFraction = 0.2,
        Seed = 8,
        NumberOfThreads = 1,
        ReusedLayers = reused,
    };

    // A binary task on the same features: multiclass to binary, as the book's sandal/shirt task.
    private static IDataView BinaryData() => SyntheticData.Ring(new MLContext(seed: 0), 200, Features, seed: 2).Data;

    private static Dictionary<string, float[]> Tensors(nn.Module<Tensor, Tensor> network) =>
        network.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(network.named_buffers())
            .Where(t => t.Item2.dtype == ScalarType.Float32)
            .ToDictionary(t => t.Item1, t => t.Item2.detach().cpu().data<float>().ToArray());

    [Fact]
    public void TheCopiedTensorsAreTheSourcesAndTheNewOutputLayerFitsTheNewTask()
    {
        var (_, modelA) = ModelA();
        using var _ = modelA;
        var reused = new ReusedLayers(modelA, hiddenLayerCount: 2) { FrozenEpochs = 2 };
        var source = Tensors(modelA.Network);
        Assert.Equal(
            new[] { "input_bn.weight", "input_bn.bias", "hidden1.linear.weight", "hidden1.bn.weight", "hidden1.bn.bias", "hidden2.linear.weight", "hidden2.bn.weight", "hidden2.bn.bias",
                "input_bn.running_mean", "input_bn.running_var", "hidden1.bn.running_mean", "hidden1.bn.running_var", "hidden2.bn.running_mean", "hidden2.bn.running_var" }.Order(),
            reused.TensorNames.Order());
        foreach (var name in reused.TensorNames)
            Assert.Equal(source[name], reused.Values(name));

        // Frozen for the whole run: every reused tensor, batch-norm statistics included, ends as it started.
        using var modelB = new MLContext(seed: 1).BinaryClassification.Trainers.DeepNeuralNetwork(OptionsB(reused, epochs: 2)).Fit(BinaryData());
        var trained = Tensors(modelB.Network);
        foreach (var name in reused.TensorNames)
            Assert.True(source[name].SequenceEqual(trained[name]), $"{name} changed while frozen");
        Assert.Equal(16, trained["output.weight"].Length);
        Assert.NotEqual(source["output.weight"].Length, trained["output.weight"].Length);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Sgd)] // no optimizer state to carry when the groups change
    public void FrozenLayersAreBitIdenticalUntilTheirEpochAndTrainAfterIt(OptimizerKind optimizer)
    {
        var (_, modelA) = ModelA();
        using var _ = modelA;
        var source = Tensors(modelA.Network);
        var options = OptionsB(new ReusedLayers(modelA, hiddenLayerCount: 1) { FrozenEpochs = 2, LearningRateScaleAfterUnfreezing = 0.5 }, epochs: 4);
        options.Optimizer = optimizer;
        options.LearningRate = optimizer == OptimizerKind.Sgd ? 0.05 : 0.001;
        var watcher = new EpochTensors();
        options.AdditionalCallbacks.Add(watcher);
        using var modelB = new MLContext(seed: 1).BinaryClassification.Trainers.DeepNeuralNetwork(options).Fit(BinaryData());

        Assert.Equal(4, watcher.Epochs.Count);
        foreach (var name in new[] { "hidden1.linear.weight", "hidden1.bn.weight", "hidden1.bn.running_mean", "input_bn.running_var" })
        {
            Assert.True(source[name].SequenceEqual(watcher.Epochs[0][name]), $"{name} changed in frozen epoch 1");
            Assert.True(source[name].SequenceEqual(watcher.Epochs[1][name]), $"{name} changed in frozen epoch 2");
            Assert.False(source[name].SequenceEqual(watcher.Epochs[2][name]), $"{name} did not change in epoch 3, after unfreezing");
        }
        // hidden2 is not reused: new, and trained from the first epoch.
        Assert.NotEqual(source["hidden2.linear.weight"], watcher.Epochs[0]["hidden2.linear.weight"]);
        Assert.False(watcher.Epochs[0]["hidden2.linear.weight"].SequenceEqual(watcher.Epochs[1]["hidden2.linear.weight"]));
    }

    [Fact]
    public void AMismatchedWidthNamesTheLayerAndBothShapes()
    {
        var (_, modelA) = ModelA();
        using var _ = modelA;
        var trainer = new MLContext(seed: 1).BinaryClassification.Trainers.DeepNeuralNetwork(
            OptionsB(new ReusedLayers(modelA, hiddenLayerCount: 2), epochs: 1, hidden: new[] { 32, 8 }));
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(BinaryData()));
        Assert.Contains("Reused layer 'hidden2.linear'", error.Message);
        Assert.Contains("[16, 32]", error.Message);
        Assert.Contains("[8, 32]", error.Message);

        var noBatchNorm = OptionsB(new ReusedLayers(modelA, hiddenLayerCount: 1), epochs: 1);
        noBatchNorm.BatchNormalization = BatchNormalizationPlacement.None;
        error = Assert.Throws<ArgumentException>(() => new MLContext(seed: 1).BinaryClassification.Trainers.DeepNeuralNetwork(noBatchNorm).Fit(BinaryData()));
        Assert.Contains("'hidden1.bn'", error.Message);

        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => new MLContext(seed: 1).BinaryClassification.Trainers.DeepNeuralNetwork(
            OptionsB(new ReusedLayers(modelA, hiddenLayerCount: 2), epochs: 1, hidden: new[] { 32 })));
        Assert.Contains("DeepNeuralNetworkOptions.ReusedLayers", tooMany.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReusedLayers(modelA, hiddenLayerCount: 3));
    }

    [Fact]
    public void ALoadedZipGivesItsFoldedDenseLayersWhichANetworkWithoutBatchNormReuses()
    {
        var (data, modelA) = ModelA();
        using var _ = modelA;
        var ml = new MLContext(seed: 1);
        using var zip = new MemoryStream();
        ml.Model.Save(modelA, data.Schema, zip);
        var loaded = ml.Model.Load(new MemoryStream(zip.ToArray()), out var _schema);

        var reused = new ReusedLayers(loaded, hiddenLayerCount: 2);
        // Batch norms are folded in: only dense weights and biases, in torch's [out, in] layout.
        Assert.Equal(new[] { "hidden1.linear.weight", "hidden1.linear.bias", "hidden2.linear.weight", "hidden2.linear.bias" }.Order(), reused.TensorNames.Order());
        Assert.Equal(32 * Features, reused.Values("hidden1.linear.weight").Count);
        // hidden1 = linear (no bias) then BN, after the input BN: the folded layer computes the same pre-activation at inference.
        var source = Tensors(modelA.Network);
        double Fold(int unit, float[] x)
        {
            double z = 0;
            for (int f = 0; f < Features; f++)
            {
                double normalized = (x[f] - source["input_bn.running_mean"][f]) / Math.Sqrt(source["input_bn.running_var"][f] + 1e-5)
                    * source["input_bn.weight"][f] + source["input_bn.bias"][f];
                z += source["hidden1.linear.weight"][unit * Features + f] * normalized;
            }
            return (z - source["hidden1.bn.running_mean"][unit]) / Math.Sqrt(source["hidden1.bn.running_var"][unit] + 1e-5)
                * source["hidden1.bn.weight"][unit] + source["hidden1.bn.bias"][unit];
        }
        var x = Enumerable.Range(0, Features).Select(i => (float)Math.Sin(i)).ToArray();
        for (int unit = 0; unit < 32; unit += 7)
        {
            double folded = reused.Values("hidden1.linear.bias")[unit] + Enumerable.Range(0, Features).Sum(f => (double)reused.Values("hidden1.linear.weight")[unit * Features + f] * x[f]);
            Assert.Equal(Fold(unit, x), folded, 3);
        }

        var options = OptionsB(reused, epochs: 1);
        options.BatchNormalization = BatchNormalizationPlacement.None;
        options.InputBatchNormalization = false;
        var watcher = new EpochTensors();
        options.AdditionalCallbacks.Add(watcher);
        options.ReusedLayers = new ReusedLayers(loaded, hiddenLayerCount: 2) { FrozenEpochs = 1 };
        using var modelB = new MLContext(seed: 1).BinaryClassification.Trainers.DeepNeuralNetwork(options).Fit(BinaryData());
        Assert.Equal(reused.Values("hidden2.linear.weight"), watcher.Epochs[0]["hidden2.linear.weight"]);

        // The loaded graph has no batch norm to give a network that has one: the error names the layer.
        var withBatchNorm = new MLContext(seed: 1).BinaryClassification.Trainers.DeepNeuralNetwork(OptionsB(reused, epochs: 1));
        var error = Assert.Throws<ArgumentException>(() => withBatchNorm.Fit(BinaryData()));
        Assert.Contains("Reused layer 'hidden1.linear'", error.Message);
    }

    private sealed class EpochTensors : TrainingCallback
    {
        public List<Dictionary<string, float[]>> Epochs { get; } = new();

        public override void OnEpochEnd(TrainingState state, EpochRecord record) => Epochs.Add(Tensors(state.Network));
    }
}
