using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Hosting;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Training.Callbacks;

/// <summary>The live state of one training run, shared by the loop and its callbacks.</summary>
internal sealed class TrainingState
{
    public TrainingState(nn.Module<Tensor, Tensor> network, optim.Optimizer optimizer, DeepNeuralNetworkOptions options,
        ITrainingObjective objective, TrainingHost host, Generator generator, bool hasValidation)
    {
        Network = network;
        Optimizer = optimizer;
        Options = options;
        Objective = objective;
        Host = host;
        Generator = generator;
        HasValidation = hasValidation;
    }

    public nn.Module<Tensor, Tensor> Network { get; }

    public optim.Optimizer Optimizer { get; }

    public DeepNeuralNetworkOptions Options { get; }

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

    /// <summary>The epoch whose weights the network holds at the end (the last one unless early stopping restores another).</summary>
    public int? RestoredEpoch { get; set; }

    /// <summary>Wall-clock time since this process started (or resumed) training.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();
}
