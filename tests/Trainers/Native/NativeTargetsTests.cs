using System.Reflection;
using System.Xml.Linq;
using MLNetDeep.Trainers.Observability;

namespace MLNetDeep.Trainers.Tests.Native;

/// <summary>Keeps build/MLNetDeep.Native.targets in step with the versions the repo pins.</summary>
public class NativeTargetsTests
{
    [Fact]
    public void MLND002_quotes_the_libtorch_version_pinned_in_Directory_Packages_props()
    {
        var root = Assembly.GetExecutingAssembly().GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "RepositoryRoot").Value!;
        var pinned = XDocument.Load(Path.Combine(root, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "libtorch-cpu-linux-x64").Attribute("Version")!.Value;
        var quoted = XDocument.Load(Path.Combine(root, "build", "MLNetDeep.Native.targets")).Descendants("_MLNetDeepLibTorchVersion")
            .Single().Value;

        Assert.True(pinned == quoted,
            $"build/MLNetDeep.Native.targets quotes libtorch {quoted} in MLND002 but Directory.Packages.props pins libtorch-cpu-linux-x64 {pinned}; update _MLNetDeepLibTorchVersion.");
    }
}
