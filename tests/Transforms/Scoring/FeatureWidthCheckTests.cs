using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Transforms.Scoring;

namespace MLNetDeep.Transforms.Tests.Scoring;

/// <summary>FeatureWidthCheck on its own: it leaves the schema as it was and refuses other widths when bound.</summary>
public sealed class FeatureWidthCheckTests
{
    private static DataViewSchema Schema(string column, int width)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Label", NumberDataViewType.Single);
        builder.AddColumn(column, new VectorDataViewType(NumberDataViewType.Single, width));
        return builder.ToSchema();
    }

    private static IEnumerable<string> Visible(DataViewSchema schema) => schema.Where(c => !c.IsHidden).Select(c => $"{c.Name}:{c.Type}");

    [Fact]
    public void TheOutputSchemaIsTheInputSchemaAndOtherWidthsAreRefused()
    {
        var ml = new MLContext(seed: 1);
        var check = FeatureWidthCheck.Create(ml, Schema("Pixels", 4), "Pixels");
        Assert.True(FeatureWidthCheck.IsWidthCheck(check));
        Assert.Equal(Visible(Schema("Pixels", 4)), Visible(check.GetOutputSchema(Schema("Pixels", 4))));
        var error = Assert.ThrowsAny<ArgumentException>(() => check.GetOutputSchema(Schema("Pixels", 8)));
        Assert.Contains("Schema mismatch for feature column 'Pixels': expected Vector<Single, 4>, got Vector<Single, 8>", error.Message);
    }

    [Fact]
    public void AFeatureColumnNamedScoreGetsNoCheckRatherThanLosingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        var check = FeatureWidthCheck.Create(ml, Schema("Score", 4), "Score");
        Assert.False(FeatureWidthCheck.IsWidthCheck(check));
        Assert.Equal(Visible(Schema("Score", 4)), Visible(check.GetOutputSchema(Schema("Score", 4))));
    }

    [Fact]
    public void OtherColumnTypesAreRejectedNamingTheColumn()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", NumberDataViewType.Double);
        var error = Assert.Throws<ArgumentException>(() => FeatureWidthCheck.Create(new MLContext(seed: 1), builder.ToSchema(), "Features"));
        Assert.Contains("Feature column 'Features' is Double; a known-size vector of Single was expected", error.Message);
        Assert.Throws<ArgumentException>(() => FeatureWidthCheck.Create(new MLContext(seed: 1), builder.ToSchema(), "Missing"));
    }
}
