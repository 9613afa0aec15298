using System.Text;
using TorchSharp.Modules;
using static TorchSharp.torch;
using MLNetDeep.Trainers.Network;

namespace MLNetDeep.Trainers;

/// <summary>A Keras-style summary of a trained network: its layers, output widths and parameter counts.</summary>
public sealed class NetworkDescription
{
    internal NetworkDescription(IReadOnlyList<LayerDescription> layers, long inputWidth)
    {
        Layers = layers;
        InputWidth = inputWidth;
    }

    /// <summary>The leaf layers in forward order.</summary>
    public IReadOnlyList<LayerDescription> Layers { get; }

    /// <summary>The width of the feature vector the network reads.</summary>
    public long InputWidth { get; }

    /// <summary>All parameters, trainable or not (BN running statistics excluded, as Keras counts them as non-trainable).</summary>
    public long ParameterCount => Layers.Sum(l => l.ParameterCount);

    internal static NetworkDescription Describe(nn.Module network, long inputWidth)
    {
        var layers = new List<LayerDescription>();
        long width = inputWidth;
        foreach (var (name, module) in Network.ModuleTree.Leaves(network))
        {
            long parameters = module.parameters().Sum(p => p.numel());
            string kind = module.GetType().Name;
            string detail = module switch
            {
                Linear l => $"{l.in_features} → {l.out_features}",
                BatchNorm1d => $"{width}",
                Dropout d => $"p = {d.p}",
                AlphaDropout d => $"p = {d.p}",
                LeakyReLU r => $"α = {r.negative_slope}",
                ELU e => $"α = {e.alpha}",
                _ => "",
            };
            if (module is Linear linear)
                width = linear.out_features;
            layers.Add(new LayerDescription(name, kind, detail, width, parameters));
        }
        return new NetworkDescription(layers, inputWidth);
    }

    /// <summary>A table with one line per layer and the total parameter count.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine($"{"Layer",-20} {"Type",-14} {"Detail",-16} {"Output",8} {"Params",10}");
        text.AppendLine($"{"(input)",-20} {"",-14} {"",-16} {InputWidth,8} {0,10}");
        foreach (var layer in Layers)
            text.AppendLine($"{layer.Name,-20} {layer.Kind,-14} {layer.Detail,-16} {layer.OutputWidth,8} {layer.ParameterCount,10:N0}");
        text.Append($"Total parameters: {ParameterCount:N0}");
        return text.ToString();
    }
}

/// <summary>One leaf layer of a <see cref="NetworkDescription"/>.</summary>
/// <param name="Name">The module path, e.g. "hidden1.linear".</param>
/// <param name="Kind">The TorchSharp module type, e.g. "Linear".</param>
/// <param name="Detail">Its main hyperparameters, e.g. "784 → 300".</param>
/// <param name="OutputWidth">The width of what the layer outputs.</param>
/// <param name="ParameterCount">Learned parameters in the layer.</param>
public sealed record LayerDescription(string Name, string Kind, string Detail, long OutputWidth, long ParameterCount);
