using System.Reflection;
using System.Xml.Linq;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNetDeep.Transforms.Hosting;

namespace MLNetDeep.Transforms.Tests.Hosting;

/// <summary>
/// The one owner of ML.NET internals binds every member it needs on the Microsoft.ML version the tests run on
/// (the repo's newest, 6.0.0; build/check-package.sh runs apps on 5.0.1), reads a catalog's context for real, and
/// says which version and member are missing when one is.
/// </summary>
public sealed class MLNetInternalsTests
{
    [Fact]
    public void EveryInternalMemberIsPresentOnTheMLNetTheTestsRunOn() => MLNetInternals.EnsureSupported();

    [Fact]
    public void TheTestsRunOnTheNewestMLNetTheRepoNames()
    {
        // Directory.Packages.props names the version; the libraries compile against the oldest, the tests must not.
        var root = typeof(MLNetInternalsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        var props = XDocument.Load(Path.Combine(root, "Directory.Packages.props"));
        string latest = props.Descendants("MLNetLatestVersion").Single().Value;
        string minimum = props.Descendants("MLNetMinimumVersion").Single().Value;
        Assert.Equal(latest, MLNetInternals.MLNetVersion);
        Assert.NotEqual(minimum, latest);
    }

    [Fact]
    public void TheMissingMemberErrorNamesTheVersionAndEachMember()
    {
        var error = MLNetInternals.Unsupported(new[] { "OnnxTransformer.Model", "SchemaShape.Create(DataViewSchema)" });
        Assert.Contains($"Microsoft.ML {MLNetInternals.MLNetVersion} lacks 2 internal member(s)", error.Message);
        Assert.Contains("OnnxTransformer.Model; SchemaShape.Create(DataViewSchema)", error.Message);
        Assert.Contains(MLNetInternals.SupportedVersions, error.Message);
        // NuGet's version, not the assembly version ML.NET leaves at 1.0.0.0.
        Assert.DoesNotContain("1.0.0.0", error.Message);
    }

    [Fact]
    public void ACatalogGivesBackItsContextsSettings()
    {
        string temp = Path.Combine(Path.GetTempPath(), $"mlnetdeep-internals-{Guid.NewGuid():N}");
        var ml = new MLContext(seed: 3) { GpuDeviceId = 2, FallbackToCpu = true, TempFilePath = temp };
        IHostEnvironment environment = MLNetInternals.EnvironmentOf(ml.Regression.Trainers);

        Assert.IsNotType<MLContext>(environment);
        Assert.Equal(2, MLNetInternals.GpuDeviceId(environment));
        Assert.True(MLNetInternals.FallbackToCpu(environment));
        Assert.Equal(temp, MLNetInternals.TempFilePath(environment));
        Assert.NotNull(MLNetInternals.Transforms(environment));

        var plain = MLNetInternals.EnvironmentOf(new MLContext(seed: 3).BinaryClassification.Trainers);
        Assert.Null(MLNetInternals.GpuDeviceId(plain));
        Assert.False(MLNetInternals.FallbackToCpu(plain));
        Assert.Equal(Path.GetTempPath(), MLNetInternals.TempFilePath(plain));
    }

    [Fact]
    public void SomethingThatIsNotACatalogIsNamed()
    {
        var error = Assert.Throws<NotSupportedException>(() => MLNetInternals.EnvironmentOf(new Uri("http://example.org")));
        Assert.Contains("System.Uri is not an ML.NET catalog", error.Message);
        Assert.Contains($"Microsoft.ML {MLNetInternals.MLNetVersion}", error.Message);
    }
}
