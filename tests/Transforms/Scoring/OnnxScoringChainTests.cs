using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Tests.Support;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Transforms.Tests.Scoring;

/// <summary>The chain's layout is written and read by one type: what Build assembles, Read finds again after a zip round trip.</summary>
public sealed class OnnxScoringChainTests
{
    private sealed class Row
    {
        [VectorType(3)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    private static byte[] SumGraph() => new GraphBuilder()
        .DynamicInput("Features", "N", 3)
        .Node("ReduceSum", ["Features", "axes"], ["Output"])
        .Initializer("axes", new long[] { 1 })
        .DynamicOutput("Output", "N", 1)
        .Build(opset: 13)
        .ToByteArray();

    [Fact]
    public void WhatBuildAssemblesReadFindsAgainInTheSavedZip()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Row { Features = new[] { 1f, 2f, 3.5f } }, new Row { Features = new[] { -1f, 0f, 0.25f } } });
        var graph = SumGraph();
        var chain = OnnxScoringChain.Build(ml, graph, data.Schema, "Features", "Output", schema => PredictionHeads.CreateRegression(ml, schema, "Output"));
        try
        {
            Assert.Equal(new[] { 6.5f, -0.75f }, chain.Transform(data).GetColumn<float>("Score"));
            using var zip = new MemoryStream();
            ml.Model.Save(chain, data.Schema, zip);
            zip.Position = 0;
            var loaded = ml.Model.Load(zip, out _);
            try
            {
                var parts = OnnxScoringChain.Read(loaded, "the test zip");
                Assert.Equal(graph, parts.OnnxModel);
                Assert.Equal("Features", parts.InputColumn);
                Assert.Equal("Output", parts.OutputColumn);
                Assert.IsType<RegressionPredictionTransformer<Microsoft.ML.Trainers.LinearRegressionModelParameters>>(parts.Head);
            }
            finally
            {
                OnnxScoringChain.Release(loaded);
            }
        }
        finally
        {
            OnnxScoringChain.Release(chain);
        }
    }

    [Fact]
    public void AChainOfOtherTransformersIsRefusedNamingThemAndTheSource()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Row { Features = new[] { 1f, 2f, 3f } } });
        var other = ml.Transforms.CopyColumns("Copy", "Features").Fit(data);
        var error = Assert.Throws<InvalidDataException>(() => OnnxScoringChain.Read(other, "The zip 'x.zip'"));
        Assert.StartsWith("The zip 'x.zip' is not an MLNetDeep model: its transformers are [ColumnCopyingTransformer]", error.Message);
    }
}
