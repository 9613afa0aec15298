using MLNetDeep.Pretrained.Training;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

/// <summary>Phase 2's residual blocks found in the ResNet50V2 export, a pre-activation network (its additions are not followed by a Relu).</summary>
[Collection(ResNet50V2BackboneCollection.Name)]
public sealed class ResNet50V2BlocksTests(ResNet50V2BackboneFixture fixture)
{
    [Fact]
    public void The_export_has_16_residual_blocks_and_the_top_one_ends_before_the_final_batch_norm()
    {
        var graph = fixture.Graph;
        var blocks = ResidualBlocks.Find(graph.Model.Graph, graph.BackboneInput);
        Assert.Equal(16, blocks.Blocks.Count);
        // Consecutive: each block starts where the one below ends.
        for (var i = 1; i < blocks.Blocks.Count; i++)
            Assert.Equal(blocks.Blocks[i - 1].Exit, blocks.Blocks[i].Entry);
        var top = blocks.Blocks[^1];
        // Unfreezing the top block trains its layers and the final post_bn after it.
        var trained = blocks.LayersAfter(top.Entry);
        Assert.True(trained.Count > top.Layers.Count, string.Join(", ", trained));
        Assert.All(top.Layers, l => Assert.Contains(l, trained));
        var plan = FineTuningPlan.Create(graph, new FineTuningOptions { UnfrozenBlocks = 2 }, fixture.Backbone.Name);
        Assert.Equal(blocks.Blocks[^2].Entry, plan.Entry);
    }
}
