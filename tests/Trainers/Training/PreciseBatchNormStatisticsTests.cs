using Microsoft.ML;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Tests.Support;
using MLNetDeep.Trainers.Data;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Training;

namespace MLNetDeep.Trainers.Tests.Training;

/// <summary>
/// <see cref="DeepNeuralNetworkOptions.PreciseBatchNormStatistics"/>: batch-normalization statistics are those of the
/// training rows (all of them up to 8,192) at every epoch's end, so inference-mode results no longer change with an epoch's last batches
/// (the Fashion-MNIST sample's validation loss rose 20 % in its last epoch at a learning rate near 0).
/// </summary>
public sealed class PreciseBatchNormStatisticsTests
{
    private const int Rows = 300;
    private const int Features = 6;

    private static (IDataView Data, float[][] Features) Blobs()
    {
        var (data, rows) = SyntheticData.Blobs(new MLContext(seed: 0), rows: Rows, features: Features, classes: 3, seed: 5, spread: 2f);
        return (data, rows.Select(r => r.Features).ToArray());
    }

    private static MulticlassDeepNeuralNetworkTransformer Train(IDataView data, bool precise, Action<DeepNeuralNetworkOptions>? configure = null)
    {
        var options = new DeepNeuralNetworkOptions
        {
            ValidationFraction = 0, // every row trains, with no automatic hold-out (SmallDataDefaults).
            HiddenLayers = new[] { 16, 8 },
            InputBatchNormalization = true,
            BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
            DropoutRate = 0.5,
            Epochs = 2,
            BatchSize = 32,
            Seed = 3,
            PreciseBatchNormStatistics = precise,
        };
        configure?.Invoke(options);
        return new MLContext(seed: 1).MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(data);
    }

    private static BatchNorm1d Layer(DeepNeuralNetworkTransformer model, string name) =>
        (BatchNorm1d)model.Network.named_modules().Single(m => m.name == name).module;

    private static float[] Values(Tensor t)
    {
        using var onCpu = t.detach().cpu();
        return onCpu.data<float>().ToArray();
    }

    private static double[] ColumnMeans(float[][] rows) =>
        Enumerable.Range(0, rows[0].Length).Select(j => rows.Average(r => (double)r[j])).ToArray();

    private static double[] ColumnVariances(float[][] rows)
    {
        var means = ColumnMeans(rows);
        return Enumerable.Range(0, rows[0].Length)
            .Select(j => rows.Sum(r => (r[j] - means[j]) * (r[j] - means[j])) / (rows.Length - 1))
            .ToArray();
    }

    private static double MaxRelativeError(IReadOnlyList<float> actual, IReadOnlyList<double> expected) =>
        actual.Zip(expected, (a, e) => Math.Abs(a - e) / Math.Max(1e-3, Math.Abs(e))).Max();

    [Fact]
    public void InputBatchNormHoldsTheMeanAndVarianceOfAllTrainingRows()
    {
        var (data, features) = Blobs();
        using var precise = Train(data, precise: true);
        using var averaged = Train(data, precise: false);
        double[] mean = ColumnMeans(features), variance = ColumnVariances(features);

        var bn = Layer(precise, "input_bn");
        Assert.True(MaxRelativeError(Values(bn.running_mean!), mean) < 1e-5, "running mean vs the training rows' mean");
        Assert.True(MaxRelativeError(Values(bn.running_var!), variance) < 1e-5, "running variance vs the training rows' unbiased variance");

        // PyTorch's running average reflects the last few batches only: far from the data's own statistics.
        var ema = Layer(averaged, "input_bn");
        Assert.True(MaxRelativeError(Values(ema.running_var!), variance) > 0.05);
    }

    [Fact]
    public void HiddenBatchNormSeesInferenceModeInputsWithDropoutOff()
    {
        var (data, features) = Blobs();
        using var model = Train(data, precise: true);
        // hidden2's batch norm follows hidden1's dropout (rate 0.5), which doubles the variance in training mode.
        // Its statistics must be those of inference-mode inputs: hidden1 (dropout off), then hidden2's dense layer.
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var network = model.Network;
        network.eval();
        var x = tensor(features.SelectMany(r => r).ToArray(), new long[] { Rows, Features });
        var hidden1 = (nn.Module<Tensor, Tensor>)network.named_modules().Single(m => m.name == "hidden1").module;
        var linear2 = (nn.Module<Tensor, Tensor>)network.named_modules().Single(m => m.name == "hidden2.linear").module;
        var input = Layer(model, "input_bn").forward(x);
        var inputs = linear2.forward(hidden1.forward(input));
        var expectedMean = Values(inputs.mean(new long[] { 0 })).Select(v => (double)v).ToArray();
        var expectedVariance = Values(inputs.var(0)).Select(v => (double)v).ToArray();

        var bn = Layer(model, "hidden2.bn");
        // Training-mode BN in the layers before divides by the biased variance (n) and inference by the unbiased
        // one (n − 1): a 1/600 difference in scale here, well inside 1 %.
        Assert.True(MaxRelativeError(Values(bn.running_mean!), expectedMean) < 0.01, "hidden2.bn running mean");
        Assert.True(MaxRelativeError(Values(bn.running_var!), expectedVariance) < 0.01, "hidden2.bn running variance");
    }

    [Fact]
    public void WeightsAreBitIdenticalWithOrWithoutPreciseStatistics()
    {
        var (data, _) = Blobs();
        using var precise = Train(data, precise: true, o => o.Epochs = 3);
        using var averaged = Train(data, precise: false, o => o.Epochs = 3);
        var left = precise.Network.named_parameters().ToList();
        var right = averaged.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.NotEmpty(left);
        foreach (var (name, parameter) in left)
            Assert.True(parameter.eq(right[name]).all().item<bool>(), $"parameter '{name}' differs");
        Assert.Equal(averaged.History.Epochs.Select(e => e.TrainLoss), precise.History.Epochs.Select(e => e.TrainLoss));
    }

    [Fact]
    public void ValidationLossStaysPutWhileTheWeightsDoNot()
    {
        // At a rate of 1e-12 Adam's steps vanish in float rounding: the weights stay fixed, and with them should
        // the validation loss. Running averages of the last batches made it move from epoch to epoch.
        var (data, _) = Blobs();
        void Frozen(DeepNeuralNetworkOptions o)
        {
            o.LearningRate = 1e-12;
            o.Epochs = 4;
            o.ValidationFraction = 0.25;
        }
        using var precise = Train(data, precise: true, Frozen);
        using var averaged = Train(data, precise: false, Frozen);
        static double Spread(DeepNeuralNetworkTransformer m) =>
            m.History.Epochs.Max(e => e.ValidationLoss!.Value) - m.History.Epochs.Min(e => e.ValidationLoss!.Value);

        Assert.True(Spread(precise) < 1e-5, $"validation loss moved by {Spread(precise)} with frozen weights");
        Assert.True(Spread(averaged) > 1e-3, $"running averages moved the validation loss by only {Spread(averaged)}");
    }

    [Fact]
    public void ChunksArePooledExactly()
    {
        // 50 rows in chunks of 7: seven chunks and a lone last row, which joins the chunk before it.
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var generator = new Generator(11);
        var x = randn(new long[] { 50, 4 }, generator: generator).mul(tensor(new float[] { 1, 2, 0.5f, 10 })).add(tensor(new float[] { 3, -1, 0, 100 }));
        var bn = nn.BatchNorm1d(4);
        var network = nn.Sequential(("bn", bn));

        BatchNormRecalibration.Recompute(network, x, chunkRows: 7);

        var expectedMean = Values(x.mean(new long[] { 0 })).Select(v => (double)v).ToArray();
        var expectedVariance = Values(x.var(0)).Select(v => (double)v).ToArray();
        Assert.True(MaxRelativeError(Values(bn.running_mean!), expectedMean) < 1e-5);
        Assert.True(MaxRelativeError(Values(bn.running_var!), expectedVariance) < 1e-5);
        Assert.Equal(0L, bn.num_batches_tracked!.item<long>());
        Assert.Equal(0.1, bn.momentum);
        Assert.True(network.training);
    }

    [Fact]
    public void WithoutValidationTheStatisticsAreComputedOnceAtTheEndAndEqualThoseOfEveryEpochRecomputation()
    {
        // Validation makes every epoch recompute (its metrics need them); without it only the returned model does.
        // Validation changes no weight, so both runs must end with the same weights and the same exact statistics.
        var (data, _) = Blobs();
        using var everyEpoch = Train(data, precise: true, o => { o.ValidationSet = data; o.Epochs = 3; });
        using var atTheEnd = Train(data, precise: true, o => o.Epochs = 3);
        using var runningAverages = Train(data, precise: false, o => o.Epochs = 3);

        foreach (var name in new[] { "input_bn", "hidden1.bn", "hidden2.bn" })
        {
            Assert.Equal(Values(Layer(everyEpoch, name).running_var!), Values(Layer(atTheEnd, name).running_var!));
            Assert.Equal(Values(Layer(everyEpoch, name).running_mean!), Values(Layer(atTheEnd, name).running_mean!));
            Assert.NotEqual(Values(Layer(runningAverages, name).running_var!), Values(Layer(atTheEnd, name).running_var!));
        }
    }

    [Theory]
    [InlineData(50, 12, 8)]
    [InlineData(12, 12, 1)]
    [InlineData(13, 12, 2)]
    [InlineData(100_000, 8192, 16)]
    public void TheStrideIsTheSmallestPowerOfTwoLeavingAtMostTheMaximum(long rows, int maximum, long expected) =>
        Assert.Equal(expected, MLNetDeep.Trainers.Data.StatisticsSample.Stride(rows, maximum));

    [Theory]
    [InlineData(1)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(1000)]
    [InlineData(5000)]
    public void AStreamedSampleKeepsExactlyTheRowsTheInMemoryStridePicks(int rows)
    {
        // Width 65,536 makes the sample's limit its floor of 256 rows, so a few thousand rows overflow it repeatedly.
        const int Width = 65_536;
        var sample = new MLNetDeep.Trainers.Data.StatisticsSample(Width);
        var row = new float[Width];
        for (int i = 0; i < rows; i++)
        {
            row[0] = i;
            sample.Add(row);
        }
        long stride = MLNetDeep.Trainers.Data.StatisticsSample.Stride(rows, MLNetDeep.Trainers.Data.StatisticsSample.MaximumRows(Width));
        var kept = sample.ToArray().Where((_, i) => i % Width == 0).ToArray();
        var expected = Enumerable.Range(0, rows).Where(i => i % stride == 0).Select(i => (float)i).ToArray();
        Assert.Equal(256, MLNetDeep.Trainers.Data.StatisticsSample.MaximumRows(Width));
        Assert.Equal(expected, kept);
    }

    [Fact]
    public void InputBatchNormUsesEveryRowWhileLaterLayersUseTheSample()
    {
        // Feature 2 is 0 except in rows 3 and 4, which the stride-5 sample (rows 0, 5, …, 45) misses: from the sample
        // alone its variance would be 0, and inference would divide a non-zero pixel by √ε.
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var values = new float[50 * 3];
        for (int i = 0; i < 50; i++)
        {
            values[3 * i] = i;
            values[3 * i + 1] = (i * 7) % 11;
        }
        values[3 * 3 + 2] = 1;
        values[3 * 4 + 2] = 0.5f;
        var x = tensor(values, new long[] { 50, 3 });
        var inputBn = nn.BatchNorm1d(3);
        var linear = nn.Linear(3, 2);
        var bn = nn.BatchNorm1d(2);
        var network = nn.Sequential(("input_bn", inputBn), ("linear", linear), ("bn", bn));

        using var source = new MLNetDeep.Trainers.Data.InMemoryBatchSource(
            new MLNetDeep.Trainers.Data.TrainingMatrix(values, new float[50], 3), new MulticlassObjective(2), CPU);
        using var input = InputBatchNormStatistics.TryCompute(network, source, CPU);
        Assert.NotNull(input);
        BatchNormRecalibration.Recompute(network, x.index_select(0, arange(0, 50, 5)), chunkRows: 4, input);

        var rows = Enumerable.Range(0, 50).Select(i => values.Skip(3 * i).Take(3).ToArray()).ToArray();
        Assert.True(MaxRelativeError(Values(inputBn.running_mean!), ColumnMeans(rows)) < 1e-5);
        Assert.True(MaxRelativeError(Values(inputBn.running_var!), ColumnVariances(rows)) < 1e-5);
        Assert.True(Values(inputBn.running_var!)[2] > 0.01);

        // The layer after it sees the sample, normalized with those exact input statistics (inference mode).
        network.eval();
        var sample = x.index_select(0, arange(0, 50, 5));
        var after = linear.forward(inputBn.forward(sample));
        var afterRows = Enumerable.Range(0, 10).Select(i => Values(after[i])).ToArray();
        Assert.True(MaxRelativeError(Values(bn.running_mean!), ColumnMeans(afterRows)) < 1e-4);
        Assert.True(MaxRelativeError(Values(bn.running_var!), ColumnVariances(afterRows)) < 1e-4);
    }

    [Fact]
    public void OnlyALeadingBatchNormGetsInputStatistics()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var network = nn.Sequential(("linear", nn.Linear(3, 2)), ("bn", nn.BatchNorm1d(2)));
        using var source = new MLNetDeep.Trainers.Data.InMemoryBatchSource(
            new MLNetDeep.Trainers.Data.TrainingMatrix(new float[30], new float[10], 3), new MulticlassObjective(2), CPU);
        Assert.Null(InputBatchNormStatistics.TryCompute(network, source, CPU));
    }

    [Theory]
    [InlineData(14, 7, "0+7 7+7")]
    [InlineData(15, 7, "0+7 7+8")]
    [InlineData(16, 7, "0+7 7+7 14+2")]
    [InlineData(2, 4096, "0+2")]
    public void ChunksCoverEveryRowWithoutAOneRowChunk(long rows, int chunkRows, string expected)
    {
        var chunks = BatchNormRecalibration.Chunks(rows, chunkRows).ToList();
        Assert.Equal(expected, string.Join(" ", chunks.Select(c => $"{c.Start}+{c.Count}")));
        Assert.Equal(rows, chunks.Sum(c => c.Count));
    }
}
