using Microsoft.ML;

namespace MLNetDeep.Tests.Support;

/// <summary>Compares schema shapes column by column: what a trainer's GetOutputSchema promises against what its model outputs.</summary>
internal static class SchemaShapeAssertions
{
    public static void Equivalent(SchemaShape expected, SchemaShape actual)
    {
        Assert.Equal(expected.Select(c => c.Name), actual.Select(c => c.Name));
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.True(e.Kind == a.Kind && e.ItemType.Equals(a.ItemType) && e.IsKey == a.IsKey,
                $"column '{e.Name}': expected {e.Kind} of {e.ItemType}, got {a.Kind} of {a.ItemType}");
            Assert.Equal(e.Annotations.Select(m => (m.Name, m.Kind, m.ItemType.RawType)), a.Annotations.Select(m => (m.Name, m.Kind, m.ItemType.RawType)));
        }
    }
}
