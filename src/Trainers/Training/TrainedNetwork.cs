using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Training;

/// <summary>What <see cref="TrainingCore"/> hands its caller to build the fitted transformer from: the trained network and its ONNX model.</summary>
/// <param name="Network">The trained network, on the CPU, in inference mode; the caller owns it.</param>
/// <param name="OnnxModel">The exported model (network and export head).</param>
/// <param name="Outcome">The history and gradient norms.</param>
/// <param name="Description">The network's layers and parameter counts.</param>
/// <param name="Objective">The task's objective, whose settings the prediction head needs.</param>
/// <param name="Seed">The resolved seed.</param>
internal sealed record TrainedNetwork(nn.Module<Tensor, Tensor> Network, byte[] OnnxModel, TrainingOutcome Outcome, NetworkDescription Description,
    ITrainingObjective Objective, int Seed);
