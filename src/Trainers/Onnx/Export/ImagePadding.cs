namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>Zero padding around the height and width of [N, C, H, W], as one Pad node.</summary>
internal static class ImagePadding
{
    /// <summary>
    /// Adds a constant-mode Pad node (its value defaults to 0) taking the pads as an int64 input, the form opset 11 and later
    /// require. Negative amounts crop, as they do in torch.
    /// </summary>
    /// <param name="graph">The graph being built.</param>
    /// <param name="path">The module's path; the pads initializer is named after it.</param>
    /// <param name="nodeName">The Pad node's name.</param>
    /// <param name="input">The value to pad.</param>
    /// <param name="output">The name of the padded value.</param>
    /// <param name="top">Rows added above.</param>
    /// <param name="left">Columns added on the left.</param>
    /// <param name="bottom">Rows added below.</param>
    /// <param name="right">Columns added on the right.</param>
    public static string Emit(OnnxGraphBuilder graph, string path, string nodeName, string input, string output, long top, long left, long bottom, long right)
    {
        // ONNX lists every axis's start, then every axis's end: [N, C, H, W] starts, then their ends.
        long[] amounts = [0, 0, top, left, 0, 0, bottom, right];
        var pads = graph.AddInt64Initializer(ModulePath.Join(path, "pads"), amounts, amounts.Length);
        return graph.AddNode("Pad", nodeName, [input, pads], output, OnnxAttributes.String("mode", "constant"));
    }
}
