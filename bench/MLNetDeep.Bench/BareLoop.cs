using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Bench;

/// <summary>What the bare loop does besides forward, backward and step; each switch mirrors one thing the trainer does per step.</summary>
internal sealed record BareLoopExtras(bool LossItem = false, bool Accuracy = false, int CollectEvery = 0, bool Phases = false, bool ModuleZeroGrad = false, bool FlatParameters = false, bool GradientNorms = false)
{
    public static BareLoopExtras None { get; } = new();

    /// <summary>Everything the product's TrainingLoop does per step with default options, except the parameter layout.</summary>
    public static BareLoopExtras LikeTrainer { get; } = new(LossItem: true, Accuracy: true, CollectEvery: 50, GradientNorms: true);

    public string Name => this == None ? "bare" : $"bare{(LossItem ? "+item" : "")}{(Accuracy ? "+acc" : "")}{(CollectEvery > 0 ? "+gc" : "")}{(ModuleZeroGrad ? "+module.zero_grad" : "")}{(GradientNorms ? "+gradnorms" : "")}{(FlatParameters ? "+flat" : "")}";
}

/// <summary>
/// The minimal TorchSharp training loop the trainer is measured against: the same network (784-300-100-10, dense
/// layers without bias before BN, BN, ReLU), the same Adam, the same shuffling by randperm and index_select, with the
/// data already in tensors. Nothing else: no IDataView, no per-step synchronisation, no metrics.
/// </summary>
internal sealed class BareLoop : IDisposable
{
    private readonly Tensor _x;
    private readonly Tensor _y;
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly optim.Optimizer _optimizer;
    private readonly Generator _generator;

    private readonly MLNetDeep.Trainers.Training.FlatParameters? _flat;
    private readonly Tensor[] _denseWeights;
    private Tensor? _normSums;

    /// <param name="flatParameters">
    /// The product's layout since branch speed (<c>FlatParameters</c>): every parameter becomes a view into one
    /// contiguous buffer, and every gradient a view into another, so Adam updates one tensor per step instead of one
    /// per parameter.
    /// </param>
    public BareLoop(float[] pixels, long[] labels, int[] hidden, int seed, bool flatParameters = false)
    {
        long rows = labels.Length;
        long width = pixels.LongLength / rows;
        _x = tensor(pixels, new[] { rows, width });
        _y = tensor(labels);
        manual_seed(seed);
        _generator = new Generator((ulong)seed);
        _network = Mlp(width, hidden, 10);
        _denseWeights = _network.modules().OfType<TorchSharp.Modules.Linear>().Select(l => (Tensor)l.weight!).ToArray();
        if (!flatParameters)
        {
            _optimizer = optim.Adam(_network.parameters(), 1e-3, 0.9, 0.999, 1e-7);
            return;
        }
        _flat = MLNetDeep.Trainers.Training.FlatParameters.Create(_network);
        _optimizer = optim.Adam(new[] { _flat.Parameter }, 1e-3, 0.9, 0.999, 1e-7);
    }

    /// <summary>The benchmark network: Linear(no bias) → BN → ReLU per hidden layer, then Linear.</summary>
    public static nn.Module<Tensor, Tensor> Mlp(long inputs, int[] hidden, long outputs)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long width = inputs;
        for (int i = 0; i < hidden.Length; i++)
        {
            layers.Add(($"linear{i + 1}", nn.Linear(width, hidden[i], hasBias: false)));
            layers.Add(($"bn{i + 1}", nn.BatchNorm1d(hidden[i])));
            layers.Add(($"relu{i + 1}", nn.ReLU()));
            width = hidden[i];
        }
        layers.Add(("output", nn.Linear(width, outputs)));
        return nn.Sequential(layers);
    }

    /// <summary>The network's parameters, in order.</summary>
    public IReadOnlyList<Tensor> Parameters => _network.parameters().Select(p => (Tensor)p).ToList();

    /// <summary>Per-phase wall time of the last epoch run with <see cref="BareLoopExtras.Phases"/>, in seconds.</summary>
    public Dictionary<string, double> PhaseSeconds { get; } = new();

    /// <summary>The same, step by step: each phase's seconds in every step of the last epoch run with phases.</summary>
    public Dictionary<string, List<double>> PhaseStepSeconds { get; } = new();

    /// <summary>Runs one epoch and returns its wall-clock seconds.</summary>
    public double Epoch(int batchSize, BareLoopExtras extras)
    {
        var clock = Stopwatch.StartNew();
        foreach (var _ in Steps(batchSize, extras))
        {
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Runs one epoch step by step, yielding each step's seconds after its dispose scope is closed, so two loops
    /// can be interleaved step by step (the scopes never nest across loops).
    /// </summary>
    public IEnumerable<double> Steps(int batchSize, BareLoopExtras extras)
    {
        PhaseSeconds.Clear();
        PhaseStepSeconds.Clear();
        var phase = new Stopwatch();
        void Mark(string name)
        {
            if (!extras.Phases)
                return;
            PhaseSeconds[name] = PhaseSeconds.GetValueOrDefault(name) + phase.Elapsed.TotalSeconds;
            if (!PhaseStepSeconds.TryGetValue(name, out var steps))
                PhaseStepSeconds[name] = steps = new List<double>();
            steps.Add(phase.Elapsed.TotalSeconds);
            phase.Restart();
        }

        var stepClock = new Stopwatch();
        _network.train();
        long rows = _x.shape[0];
        long correct = 0;
        double lossSum = 0;
        using var order = randperm(rows, generator: _generator);
        long step = 0;
        for (long start = 0; start < rows; start += batchSize)
        {
            long count = Math.Min(batchSize, rows - start);
            if (count == 1)
                break; // BN cannot train on one row; the trainer skips such a batch too.
            stepClock.Restart();
            phase.Restart();
            using var scope = NewDisposeScope();
            var index = order.narrow(0, start, count);
            var xb = _x.index_select(0, index);
            var yb = _y.index_select(0, index);
            Mark("gather");
            // Optimizer.zero_grad zeroes each gradient from C#, one native call and wrapper per parameter;
            // Module.zero_grad drops them all (set_to_none) in one native call.
            if (_flat is not null)
                _flat.ZeroGradients(); // set_to_none would break the views
            else if (extras.ModuleZeroGrad)
                _network.zero_grad();
            else
                _optimizer.zero_grad();
            Mark("zero_grad");
            var output = _network.forward(xb);
            Mark("forward");
            var loss = nn.functional.cross_entropy(output, yb);
            Mark("loss");
            loss.backward();
            Mark("backward");
            if (extras.GradientNorms)
            {
                // What GradientNormRecorder does each step (RecordGradientNorms defaults to true).
                using var norms = stack(_denseWeights.Select(w => w.grad!.norm()).ToArray());
                if (_normSums is null)
                    _normSums = norms.detach().clone().DetachFromDisposeScope();
                else
                    _normSums.add_(norms);
            }
            Mark("grad norms");
            _optimizer.step();
            Mark("optimizer");
            if (extras.LossItem)
                lossSum += loss.item<float>() * (double)count;
            Mark("loss.item");
            if (extras.Accuracy)
            {
                using var predicted = output.detach().argmax(1);
                using var hits = predicted.eq(yb);
                using var sum = hits.sum();
                correct += sum.item<long>();
            }
            Mark("accuracy");
            step++;
            if (extras.CollectEvery > 0 && step % extras.CollectEvery == 0)
                GC.Collect(0);
            Mark("gc");
            scope.Dispose();
            Mark("dispose");
            yield return stepClock.Elapsed.TotalSeconds;
        }
        GC.KeepAlive(correct + lossSum);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _network.Dispose();
        _generator.Dispose();
        _flat?.Dispose();
        _normSums?.Dispose();
        _x.Dispose();
        _y.Dispose();
    }
}
