using static MLNetDeep.Tests.Support.GraphBuilder;
using MLNetDeep.Tests.Support;
using MLNetDeep.Transforms.Onnx.Surgery;
using MLNetDeep.Transforms.Tests.Scoring;

namespace MLNetDeep.Transforms.Tests.Onnx.Surgery;

public sealed class ModelValidatorTests
{
    [Fact]
    public void A_valid_model_passes()
    {
        OnnxModelValidator.Validate(new GraphBuilder().Input("x", 1, 4).Node("Relu", ["x"], ["y"]).Output("y", 1, 4).Build(13));
    }

    [Fact]
    public void An_invalid_model_gives_ONNX_Runtimes_reason_and_names_the_model()
    {
        // Gemm needs 2-D inputs with matching inner dimensions: 4 against 3.
        var model = new GraphBuilder().Input("x", 1, 4).RandomInitializer("w", new Random(1), 3, 2)
            .Node("Gemm", ["x", "w"], ["y"]).Output("y", 1, 2).Build(13);
        var e = Assert.Throws<OnnxModelValidationException>(() => OnnxModelValidator.Validate(model, "spliced classifier"));
        Assert.Contains("spliced classifier", e.Message);
        Assert.Contains("Gemm", e.Message);
        Assert.NotNull(e.InnerException);
    }

    [Fact]
    public void An_unknown_operator_is_reported()
    {
        var model = new GraphBuilder().Input("x", 1, 4).Node("NoSuchOp", ["x"], ["y"], Int("k", 1)).Output("y", 1, 4).Build(13);
        var e = Assert.Throws<OnnxModelValidationException>(() => OnnxModelValidator.Validate(model));
        Assert.Contains("NoSuchOp", e.Message);
    }
}
