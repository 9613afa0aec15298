using Microsoft.ML.Trainers;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// bias + w·x as ML.NET's linear models compute it: the dot product summed from zero over the weights' explicit
/// values, then added to the bias. For the identity heads MLNetDeep writes (one weight of 1, bias 0) that is exactly
/// the network's output, as it is in ML.NET.
/// </summary>
internal readonly struct LinearScore
{
    private readonly float[] _weights;
    private readonly int[]? _indices;
    private readonly float _bias;

    /// <param name="weights">The explicit weight values.</param>
    /// <param name="indices">The input index of each weight, or null when <paramref name="weights"/> is dense.</param>
    /// <param name="bias">The bias.</param>
    public LinearScore(float[] weights, int[]? indices, float bias)
    {
        _weights = weights;
        _indices = indices;
        _bias = bias;
    }

    /// <summary>The score of a binary or regression head over a network output of <paramref name="inputWidth"/> values in column <paramref name="column"/>.</summary>
    /// <exception cref="InvalidDataException">The head has another number of weights.</exception>
    public static LinearScore Of(LinearModelParameters model, int inputWidth, string column)
    {
        if (model.Weights.Count != inputWidth)
            throw new InvalidDataException($"The prediction head has {model.Weights.Count} weights, but the ONNX graph's '{column}' has {inputWidth} values per row.");
        return new LinearScore(model.Weights.ToArray(), null, model.Bias);
    }

    /// <summary>The score of <paramref name="input"/>.</summary>
    public float Apply(ReadOnlySpan<float> input)
    {
        float dot = 0;
        for (int i = 0; i < _weights.Length; i++)
            dot += _weights[i] * input[_indices is null ? i : _indices[i]];
        return _bias + dot;
    }
}
