using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace MLNetDeep.Trainers.Onnx.Export;

/// <summary>
/// Lists the modules a network runs, in order: the children of a <see cref="TorchSharp.Modules.Sequential"/> (nested ones expanded), or the
/// network itself when it is a single layer. Other containers are left as they are, so that they are reported as unsupported
/// rather than guessed at: only a Sequential's forward is known to chain its children.
/// </summary>
internal static class SequentialFlattener
{
    /// <summary>The modules <paramref name="network"/> runs, each with its path.</summary>
    /// <param name="network">The network, or a branch of one.</param>
    /// <param name="path">The path of <paramref name="network"/> itself: <see cref="ModulePath.Root"/> for the exported network, "2.main" for a branch.</param>
    public static List<(string Path, Module Module)> Flatten(Module network, string path)
    {
        var modules = new List<(string Path, Module Module)>();
        Append(path, network, modules);
        return modules;
    }

    private static void Append(string path, Module module, List<(string Path, Module Module)> modules)
    {
        if (module is Sequential)
        {
            foreach (var (name, child) in module.named_children())
                Append(ModulePath.Join(path, name), child, modules);
        }
        else
        {
            modules.Add((path, module));
        }
    }
}
