using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Network;

/// <summary>
/// Builds the multilayer perceptron the options describe, as nested TorchSharp <c>Sequential</c>s with
/// readable names ("input_bn", "hidden1.linear", "hidden1.act", …, "output"), which the ONNX exporter
/// reuses for node names.
/// </summary>
internal static class NetworkBuilder
{
    public static Sequential Build(DeepNeuralNetworkOptions options, long inputWidth, long outputWidth, Generator generator)
    {
        var initializer = options.WeightInitializer == WeightInitializer.Auto
            ? ActivationModules.DefaultInitializer(options.Activation)
            : options.WeightInitializer;

        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        if (options.InputBatchNormalization)
            layers.Add(("input_bn", nn.BatchNorm1d(inputWidth)));

        long width = inputWidth;
        var hiddenLayers = options.HiddenLayerWidths;
        for (int i = 0; i < hiddenLayers.Length; i++)
        {
            long units = hiddenLayers[i];
            var block = new List<(string, nn.Module<Tensor, Tensor>)>();
            // BN right after the dense layer adds its own shift, so the dense bias would be dead weight.
            bool bnBefore = options.BatchNormalization == BatchNormalizationPlacement.BeforeActivation;
            var linear = nn.Linear(width, units, hasBias: !bnBefore);
            InitializeLinear(linear, initializer, generator);
            block.Add(("linear", linear));
            if (bnBefore)
                block.Add(("bn", nn.BatchNorm1d(units)));
            block.Add(("act", ActivationModules.Create(options.Activation, options.ActivationAlpha, units)));
            if (options.BatchNormalization == BatchNormalizationPlacement.AfterActivation)
                block.Add(("bn", nn.BatchNorm1d(units)));
            if (options.DropoutRate > 0)
            {
                // Plain dropout breaks SELU's self-normalization; alpha dropout keeps mean and variance.
                block.Add(("dropout", options.Activation == ActivationFunction.SELU
                    ? nn.AlphaDropout(options.DropoutRate)
                    : nn.Dropout(options.DropoutRate)));
            }
            layers.Add(($"hidden{i + 1}", nn.Sequential(block)));
            width = units;
        }

        var output = nn.Linear(width, outputWidth);
        // The output layer has no activation of its own, so Glorot suits it whatever the hidden activation.
        InitializeLinear(output, WeightInitializer.GlorotUniform, generator);
        layers.Add(("output", output));
        return nn.Sequential(layers);
    }

    private static void InitializeLinear(Linear linear, WeightInitializer initializer, Generator generator)
    {
        WeightInitialization.Initialize(linear.weight!, initializer, generator);
        if (linear.bias is { } bias)
        {
            using var _ = no_grad();
            // zero_() returns a new handle to the bias; the scope frees it (and not the bias, made outside it).
            using var scope = NewDisposeScope();
            bias.zero_();
        }
    }

    /// <summary>The dense-layer weight matrices, in forward order: the only tensors of the MLP that L1 and L2 penalize.</summary>
    public static IReadOnlyList<Tensor> DenseWeights(nn.Module network) =>
        network.modules().OfType<Linear>().Select(l => (Tensor)l.weight!).ToList();

    /// <summary>The parameter names of <see cref="DenseWeights"/>, which name them across device moves.</summary>
    public static IEnumerable<string> DenseWeightNames(nn.Module network) =>
        network.named_modules().Where(m => m.module is Linear).Select(m => m.name + ".weight");
}
