using Microsoft.ML;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>What <see cref="OnnxScoringChain.Read"/> finds in a loaded scoring chain.</summary>
/// <param name="OnnxModel">The serialized ONNX graph the chain's OnnxTransformer scores with.</param>
/// <param name="InputColumn">The graph's input, which is the feature column.</param>
/// <param name="OutputColumn">The graph's output, which the head reads.</param>
/// <param name="Head">The prediction transformer after the OnnxTransformer.</param>
internal sealed record ScoringChainParts(byte[] OnnxModel, string InputColumn, string OutputColumn, ITransformer Head);
