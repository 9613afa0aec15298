using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Training;

/// <summary>
/// The parameters the optimizer trains, in the groups <see cref="INetworkFactory.ParameterGroups"/> names for each
/// epoch, and the optimizer over them. Every other parameter is frozen (<c>requires_grad</c> off). When the groups
/// change (a block is unfrozen, a group goes), the optimizer is rebuilt over the new groups: a group with the same
/// name, scale and parameters keeps its optimizer state (moments, step counts) and, with the flat layout, its
/// buffer; a new group starts from fresh state, as PyTorch's <c>add_param_group</c> gives it.
/// </summary>
/// <remarks>
/// With <see cref="TrainingOptions.FlatParameterBuffer"/> each group is one <see cref="FlatParameters"/> buffer
/// (one optimizer parameter per group); otherwise the optimizer holds the group's tensors one by one.
/// </remarks>
internal sealed class TrainableParameters : IDisposable
{
    private readonly nn.Module _network;
    private readonly TrainingOptions _options;
    private readonly Func<int, IReadOnlyList<ParameterGroup>> _groupsFor;
    private IReadOnlyList<ParameterGroup> _groups = Array.Empty<ParameterGroup>();
    private List<FlatParameters?> _flat = new();
    private optim.Optimizer? _optimizer;

    /// <param name="network">The network, already on its device (moving it would cut the parameters from flat buffers).</param>
    /// <param name="options">The optimizer kind and hyperparameters, the learning rate and the layout.</param>
    /// <param name="groupsFor">The groups for a 1-based epoch.</param>
    public TrainableParameters(nn.Module network, TrainingOptions options, Func<int, IReadOnlyList<ParameterGroup>> groupsFor)
    {
        _network = network;
        _options = options;
        _groupsFor = groupsFor;
        LearningRate = options.LearningRate;
    }

    /// <summary>The optimizer over the current groups; replaced when they change.</summary>
    public optim.Optimizer Optimizer => _optimizer ?? throw new InvalidOperationException("Call Apply before training.");

    /// <summary>The current groups.</summary>
    public IReadOnlyList<ParameterGroup> Groups => _groups;

    /// <summary>The parameters trained now, group after group.</summary>
    public IReadOnlyList<Parameter> Parameters { get; private set; } = Array.Empty<Parameter>();

    /// <summary>The unscaled learning rate (the schedule's); each group trains at it times its scale.</summary>
    public double LearningRate { get; private set; }

    /// <summary>Sets the unscaled learning rate: each optimizer group gets it times its group's scale.</summary>
    public void SetLearningRate(double rate)
    {
        LearningRate = rate;
        int i = 0;
        foreach (var group in Optimizer.ParamGroups)
            group.LearningRate = rate * _groups[i++].LearningRateScale;
    }

    /// <summary>Makes the groups those of <paramref name="epoch"/>; returns whether the optimizer was (re)built.</summary>
    /// <exception cref="ArgumentException">The groups leave nothing to train, share a parameter, or have a bad scale.</exception>
    public bool Apply(int epoch)
    {
        var groups = _groupsFor(epoch).Where(g => g.Parameters.Count > 0).ToList();
        if (_optimizer is not null && groups.Count == _groups.Count && groups.Zip(_groups).All(p => p.First.SameAs(p.Second)))
            return false;
        Check(groups, epoch);
        var trained = groups.SelectMany(g => g.Parameters).Select(p => p.Handle).ToHashSet();
        foreach (var parameter in _network.parameters())
        {
            bool train = trained.Contains(parameter.Handle);
            if (parameter.requires_grad != train)
                parameter.requires_grad = train;
        }

        var kept = groups.Select(g => _groups.ToList().FindIndex(old => old.SameAs(g))).ToArray();
        var flat = new List<FlatParameters?>();
        for (int i = 0; i < groups.Count; i++)
            flat.Add(!_options.FlatParameterBuffer ? null : kept[i] >= 0 ? _flat[kept[i]] : FlatParameters.Create(groups[i].Parameters));
        var optimizer = Create(groups, flat);
        if (_optimizer is { } previous)
        {
            CarryState(previous, optimizer, groups, kept);
            for (int i = 0; i < _flat.Count; i++)
            {
                if (!flat.Contains(_flat[i]))
                    _flat[i]?.Dispose();
            }
            previous.Dispose();
        }
        _optimizer = optimizer;
        _flat = flat;
        _groups = groups;
        Parameters = groups.SelectMany(g => g.Parameters).ToList();
        SetLearningRate(LearningRate);
        return true;
    }

    /// <summary>Zeroes the gradients of what is trained; with flat buffers in one call per group, keeping the gradient views.</summary>
    public void ZeroGradients()
    {
        if (!_options.FlatParameterBuffer)
        {
            _network.zero_grad();
            return;
        }
        foreach (var buffer in _flat)
            buffer!.ZeroGradients();
    }

    public void Dispose()
    {
        _optimizer?.Dispose();
        foreach (var buffer in _flat)
            buffer?.Dispose();
    }

    private optim.Optimizer Create(IReadOnlyList<ParameterGroup> groups, IReadOnlyList<FlatParameters?> flat)
    {
        IEnumerable<Parameter> Of(int i) => flat[i] is { } buffer ? new[] { buffer.Parameter } : groups[i].Parameters;
        var optimizer = OptimizerFactory.Create(_options, Of(0));
        for (int i = 1; i < groups.Count; i++)
            ((OptimizerHelper)optimizer).add_param_group(OptimizerFactory.Group(_options.Optimizer, Of(i)));
        if (_optimizer is { } previous)
        {
            // A schedule may have moved momentum or β₁ (1cycle); the new optimizer goes on from there.
            if (previous is optim.IMomentum oldMomentum && optimizer is optim.IMomentum newMomentum)
                newMomentum.Momentum = oldMomentum.Momentum;
            if (previous is optim.IBetas oldBetas && optimizer is optim.IBetas newBetas)
                newBetas.Betas = oldBetas.Betas;
        }
        return optimizer;
    }

    /// <summary>Copies the per-parameter state (moments, step counts) of every kept group into the new optimizer.</summary>
    private void CarryState(optim.Optimizer previous, optim.Optimizer optimizer, IReadOnlyList<ParameterGroup> groups, int[] kept)
    {
        // Plain SGD keeps no state, and TorchSharp's SGD state cannot copy its absent momentum buffer (NullReferenceException).
        if (_options.Optimizer == OptimizerKind.Sgd)
            return;
        var before = ((OptimizerHelper)previous).state_dict();
        var after = ((OptimizerHelper)optimizer).state_dict();
        int[] oldStart = Starts(_groups);
        int[] newStart = Starts(groups);
        for (int i = 0; i < groups.Count; i++)
        {
            if (kept[i] < 0)
                continue;
            int count = _options.FlatParameterBuffer ? 1 : groups[i].Parameters.Count;
            for (int j = 0; j < count; j++)
                after.State[newStart[i] + j].LoadStateDict(before.State[oldStart[kept[i]] + j]);
        }
    }

    private int[] Starts(IReadOnlyList<ParameterGroup> groups)
    {
        var starts = new int[groups.Count];
        for (int i = 1; i < groups.Count; i++)
            starts[i] = starts[i - 1] + (_options.FlatParameterBuffer ? 1 : groups[i - 1].Parameters.Count);
        return starts;
    }

    private static void Check(IReadOnlyList<ParameterGroup> groups, int epoch)
    {
        if (groups.Count == 0)
            throw new ArgumentException($"The network factory gives no trainable parameter for epoch {epoch}: at least one group needs parameters.");
        var seen = new HashSet<IntPtr>();
        foreach (var group in groups)
        {
            if (!(group.LearningRateScale >= 0 && double.IsFinite(group.LearningRateScale)))
                throw new ArgumentException($"Parameter group '{group.Name}' has the learning-rate scale {group.LearningRateScale}; expected a finite value >= 0.");
            foreach (var parameter in group.Parameters)
            {
                if (!seen.Add(parameter.Handle))
                    throw new ArgumentException($"A parameter is in two groups (the second is '{group.Name}') in epoch {epoch}; each parameter belongs to one group at most.");
            }
        }
        if (groups.Select(g => g.Name).Distinct(StringComparer.Ordinal).Count() != groups.Count)
            throw new ArgumentException($"Two parameter groups share a name in epoch {epoch} ({string.Join(", ", groups.Select(g => g.Name))}); names identify groups across epochs.");
    }
}
