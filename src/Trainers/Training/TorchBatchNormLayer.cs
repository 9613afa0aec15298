using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Training;

/// <summary>A TorchSharp <c>BatchNorm1d/2d/3d</c> seen as an <see cref="IBatchNormLayer"/>.</summary>
internal sealed class TorchBatchNormLayer : IBatchNormLayer
{
    /// <param name="name">The module path.</param>
    /// <param name="module">A batch norm that tracks running statistics.</param>
    /// <param name="frozen">Whether it normalizes with its running statistics while training.</param>
    public TorchBatchNormLayer(string name, TorchSharp.Modules.BatchNorm module, bool frozen = false)
        : this(name, module, frozen ? () => true : () => false)
    {
    }

    /// <param name="name">The module path.</param>
    /// <param name="module">A batch norm that tracks running statistics.</param>
    /// <param name="frozen">Whether it normalizes with its running statistics while training, asked at every epoch start (it can change: unfreezing).</param>
    public TorchBatchNormLayer(string name, TorchSharp.Modules.BatchNorm module, Func<bool> frozen)
    {
        Name = name;
        Module = module;
        _frozen = frozen;
    }

    private readonly Func<bool> _frozen;

    /// <summary>The module, whose buffers are read live (moving the network to a device replaces them).</summary>
    public TorchSharp.Modules.BatchNorm Module { get; }

    public string Name { get; }

    public Tensor RunningMean => Module.running_mean ?? throw NoStatistics();

    public Tensor RunningVariance => Module.running_var ?? throw NoStatistics();

    public Tensor? BatchesTracked => Module.num_batches_tracked;

    public double? Momentum
    {
        get => Module.momentum;
        set => Module.momentum = value;
    }

    public bool Frozen => _frozen();

    public void SetTraining(bool training) => Module.train(training);

    /// <summary>Whether <paramref name="module"/> keeps the running statistics the refresh needs.</summary>
    public static bool TracksStatistics(TorchSharp.Modules.BatchNorm module) =>
        module.running_mean is not null && module.running_var is not null && module.num_batches_tracked is not null;

    private InvalidOperationException NoStatistics() => new($"The batch norm '{Name}' keeps no running statistics.");
}
