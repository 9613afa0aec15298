using System.Reflection;
using System.Text.RegularExpressions;
using MLNetDeep.Trainers.Observability;
using MLNetDeep.Trainers.Tests.Streaming;
using MLNetDeep.Trainers.Tests.Training;

namespace MLNetDeep.Trainers.Tests;

/// <summary>
/// docs/reliability.md and the tests agree: every row of its table names a test that exists, every reliability
/// test carries a [Trait("Reliability", id)] and has the row of that id, and every bad option the options
/// theory tries is listed.
/// </summary>
public sealed partial class ReliabilityDocTests
{
    private const string TraitName = "Reliability";

    private static string DocPath => Path.Combine(
        typeof(ReliabilityDocTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!,
        "docs", "reliability.md");

    /// <summary>Table rows: | id | situation | behaviour | `Class.Method` |.</summary>
    [GeneratedRegex(@"^\|\s*(?<id>[A-Z]-\d{2})\s*\|.*\|\s*`(?<test>[A-Za-z0-9_]+\.[A-Za-z0-9_]+)`\s*\|\s*$")]
    private static partial Regex Row();

    /// <summary>Option-case rows: | `case id` | ... |.</summary>
    [GeneratedRegex(@"^\|\s*`(?<case>[^`]+)`\s*\|")]
    private static partial Regex OptionRow();

    /// <summary>
    /// Every test assembly of the repo: this one, and its siblings, which the project file builds first into the
    /// same layout (tests/X/bin/.../MLNetDeep.X.Tests.dll), since the table names tests wherever they live.
    /// </summary>
    private static IEnumerable<Assembly> TestAssemblies()
    {
        var self = typeof(ReliabilityDocTests).Assembly;
        yield return self;
        string outputFolder = Path.GetDirectoryName(self.Location)!;
        string testsFolder = Path.GetFullPath(Path.Combine(DocPath, "..", "..", "tests"));
        string below = Path.GetRelativePath(Path.Combine(testsFolder, "Trainers"), outputFolder);
        foreach (var project in new[] { "Transforms", "Pretrained", "Datasets" })
        {
            string path = Path.Combine(testsFolder, project, below, $"MLNetDeep.{project}.Tests.dll");
            Assert.True(File.Exists(path), $"The test assembly '{path}' was not built; the Trainers test project builds it first.");
            yield return Assembly.LoadFrom(path);
        }
    }

    private static IEnumerable<MethodInfo> Tests() => TestAssemblies().SelectMany(a => a.GetTypes())
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        .Where(m => m.GetCustomAttributes<FactAttribute>().Any());

    private static string? TraitOf(MethodInfo method) => method.GetCustomAttributesData()
        .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == TraitName)
        .Select(a => (string?)a.ConstructorArguments[1].Value).SingleOrDefault();

    // Reliability is a trait, not a folder: a test belongs to the suite by carrying it.
    private static bool InReliabilitySuite(MethodInfo method) => TraitOf(method) is not null;

    [Fact]
    [Trait("Reliability", "Z-01")]
    public void EveryTableRowNamesAnExistingTestAndEveryReliabilityTestHasItsRow()
    {
        var lines = File.ReadAllLines(DocPath);
        var rows = lines.Select(l => Row().Match(l)).Where(m => m.Success).Select(m => (Id: m.Groups["id"].Value, Test: m.Groups["test"].Value)).ToList();
        Assert.NotEmpty(rows);
        Assert.Empty(rows.GroupBy(r => r.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key} appears {g.Count()} times"));

        var tests = Tests().ToLookup(m => $"{m.DeclaringType!.Name}.{m.Name}");
        var problems = new List<string>();
        foreach (var (id, test) in rows)
        {
            var method = tests[test].FirstOrDefault();
            if (method is null)
                problems.Add($"row {id} names {test}, which is not a test");
            else if (InReliabilitySuite(method) && TraitOf(method) != id)
                problems.Add($"row {id} names {test}, whose Reliability trait is '{TraitOf(method)}'");
        }
        var documented = rows.Select(r => r.Test).ToHashSet();
        foreach (var method in Tests().Where(InReliabilitySuite))
        {
            string name = $"{method.DeclaringType!.Name}.{method.Name}";
            if (!documented.Contains(name))
                problems.Add($"{name} ({TraitOf(method)}) has no row in docs/reliability.md");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    [Trait("Reliability", "Z-02")]
    public void EveryBadOptionTheTheoryTriesIsListedAndNothingElse()
    {
        var lines = File.ReadAllLines(DocPath);
        int start = Array.FindIndex(lines, l => l.StartsWith("### Option cases", StringComparison.Ordinal));
        Assert.True(start >= 0, "docs/reliability.md has no '### Option cases' section");
        var listed = lines.Skip(start + 1).TakeWhile(l => !l.StartsWith('#'))
            .Select(l => OptionRow().Match(l)).Where(m => m.Success).Select(m => m.Groups["case"].Value).ToList();
        Assert.Equal(OptionValidationTests.Cases.Keys.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }
}
