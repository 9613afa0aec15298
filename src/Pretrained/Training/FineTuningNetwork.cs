using MLNetDeep.Pretrained.Onnx.Import;
using static TorchSharp.torch;

namespace MLNetDeep.Pretrained.Training;

/// <summary>
/// Phase 2's network: the trained upper part of the backbone (an imported <see cref="OnnxModule"/>, from the plan's
/// entry tensor to the features) and the head, as one module. When batches are augmented the samples are pixels, and a
/// frozen lower part (preprocessing and the frozen blocks, batch norms frozen) runs first under <c>no_grad</c>; otherwise
/// the samples are the cached activations at the entry tensor.
/// </summary>
internal sealed class FineTuningNetwork : nn.Module<Tensor, Tensor>
{
    // Fields are the submodules' names in state_dict (checkpoints).
    private readonly OnnxModule? frozen;
    private readonly OnnxModule trained;
    private readonly nn.Module<Tensor, Tensor> head;

    public FineTuningNetwork(OnnxModule? frozenPart, OnnxModule trainedPart, nn.Module<Tensor, Tensor> headNetwork)
        : base(nameof(FineTuningNetwork))
    {
        frozen = frozenPart;
        trained = trainedPart;
        head = headNetwork;
        RegisterComponents();
    }

    /// <summary>The lower part, or null when the samples are activations at the entry tensor.</summary>
    public OnnxModule? Frozen => frozen;

    public OnnxModule Trained => trained;

    /// <summary>The head: features to logits.</summary>
    public nn.Module<Tensor, Tensor> Head => head;

    public override Tensor forward(Tensor input)
    {
        if (frozen is null)
            return head.forward(trained.forward(input));
        using var scope = NewDisposeScope();
        Tensor activations;
        // The frozen part needs no gradient: without a graph for it, a step costs its forward pass alone.
        using (no_grad())
            activations = frozen.forward(input);
        return head.forward(trained.forward(activations)).MoveToOuterDisposeScope();
    }
}
