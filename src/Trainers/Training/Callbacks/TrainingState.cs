using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Hosting;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>The live state of one training run, shared by the loop and its callbacks.</summary>
internal sealed class TrainingState
{
    public TrainingState(nn.Module<Tensor, Tensor> network, optim.Optimizer optimizer, TrainingOptions options,
        ITrainingObjective objective, TrainingHost host, Generator generator, bool hasValidation)
    {
        Network = network;
        _optimizer = optimizer;
        Options = options;
        Objective = objective;
        Host = host;
        Generator = generator;
        HasValidation = hasValidation;
    }

    private readonly optim.Optimizer _optimizer;

    public nn.Module<Tensor, Tensor> Network { get; }

    /// <summary>The optimizer: the trainable parameters' current one (rebuilt when the parameter groups change), else the one given.</summary>
    public optim.Optimizer Optimizer => Parameters?.Optimizer ?? _optimizer;

    /// <summary>The parameter groups and their optimizer, when the loop manages them; null in a state built by hand.</summary>
    public TrainableParameters? Parameters { get; set; }

    /// <summary>The parameters trained now (what clipping acts on): the groups' when managed, else all of the network's.</summary>
    public IReadOnlyList<Parameter> TrainedParameters => Parameters?.Parameters ?? Network.parameters().ToList();

    /// <summary>The weights L1, L2 and max-norm act on, from the network factory.</summary>
    public IReadOnlyList<Tensor> PenalisedWeights { get; set; } = Array.Empty<Tensor>();

    public TrainingOptions Options { get; }

    public ITrainingObjective Objective { get; }

    public TrainingHost Host { get; }

    /// <summary>Draws the shuffling order; its state is part of a checkpoint.</summary>
    public Generator Generator { get; }

    public bool HasValidation { get; }

    /// <summary>Completed epochs, in order.</summary>
    public List<EpochRecord> Epochs { get; } = new();

    /// <summary>Per-epoch gradient norms, when recorded.</summary>
    public List<GradientNormRecord> GradientNorms { get; } = new();

    /// <summary>The epoch in progress (1-based), or the last completed one between epochs.</summary>
    public int Epoch { get; set; }

    /// <summary>Optimizer steps taken over the whole run.</summary>
    public long Step { get; set; }

    /// <summary>Set by a callback to end training after the current epoch.</summary>
    public bool StopRequested { get; set; }

    /// <summary>
    /// Set by a callback (in <see cref="TrainingCallback.OnBatchEnd"/>) to end training after the current batch: the epoch
    /// ends there, its measurements and record are made from the batches it ran, and no further epoch starts.
    /// </summary>
    public bool StopAfterBatchRequested { get; set; }

    /// <summary>The loss (penalty included) of the batch in progress, set before <see cref="TrainingCallback.OnAfterBackward"/>.</summary>
    public float BatchLoss { get; set; } = float.NaN;

    /// <summary>The epoch whose weights the network holds at the end (the last one unless early stopping restores another).</summary>
    public int? RestoredEpoch { get; set; }

    /// <summary>Wall-clock time since this process started (or resumed) training.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();
}
