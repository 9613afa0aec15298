using TorchSharp;
using static TorchSharp.torch;

namespace MLNetDeep.Trainers.Network;

/// <summary>
/// Walks a module tree depth-first in registration order, which for nested <c>Sequential</c>s is
/// forward order. TorchSharp's <c>named_modules()</c> is breadth-first, so it lists "output" before
/// "hidden1.linear" and cannot tell which layer is first.
/// </summary>
internal static class ModuleTree
{
    /// <summary>Leaf modules with their dotted paths, in forward order.</summary>
    public static IEnumerable<(string Name, nn.Module Module)> Leaves(nn.Module root, string prefix = "")
    {
        bool any = false;
        foreach (var (name, child) in root.named_children())
        {
            any = true;
            foreach (var leaf in Leaves(child, prefix.Length == 0 ? name : prefix + "." + name))
                yield return leaf;
        }
        if (!any && prefix.Length > 0)
            yield return (prefix, root);
    }
}
