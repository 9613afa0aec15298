using System.Reflection;
using System.Text.RegularExpressions;

namespace MLNetDeep.Tests.Reliability;

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

    private static IEnumerable<MethodInfo> Tests() => typeof(ReliabilityDocTests).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        .Where(m => m.GetCustomAttributes<FactAttribute>().Any());

    private static string? TraitOf(MethodInfo method) => method.GetCustomAttributesData()
        .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == TraitName)
        .Select(a => (string?)a.ConstructorArguments[1].Value).SingleOrDefault();

    private static bool InReliabilitySuite(MethodInfo method) => method.DeclaringType!.Namespace == typeof(ReliabilityDocTests).Namespace;

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
            if (TraitOf(method) is null)
                problems.Add($"{name} has no [Trait(\"{TraitName}\", id)]");
            else if (!documented.Contains(name))
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
