namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>
/// Module paths as torch's <c>named_modules</c> spells them ("0", "1.linear"). Graph names are made from them
/// ("0.weight", "1.linear.output") so that each exported node or initializer can be traced back to its layer.
/// </summary>
internal static class ModulePath
{
    /// <summary>The path of the module passed to the exporter itself.</summary>
    public const string Root = "";

    /// <summary>Appends <paramref name="part"/> (a child module's name, or a parameter or value name) to <paramref name="path"/>.</summary>
    public static string Join(string path, string part) => path.Length == 0 ? part : $"{path}.{part}";

    /// <summary>How error messages refer to the module at <paramref name="path"/>.</summary>
    public static string Describe(string path) => path.Length == 0 ? "the root module" : $"module '{path}'";
}
