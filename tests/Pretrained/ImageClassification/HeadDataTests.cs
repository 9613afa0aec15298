using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetDeep.Pretrained.Training;

namespace MLNetDeep.Pretrained.Tests.ImageClassification;

public sealed class HeadDataTests
{
    [Fact]
    public void Head_data_keeps_the_label_key_type_its_values_and_every_class()
    {
        var context = new MLContext(1);
        var names = context.Data.LoadFromEnumerable(new[] { "a", "b", "c" }.Select(n => new Named { Name = n }));
        var source = context.Transforms.Conversion.MapValueToKey("Label", "Name", keyData: names)
            .Fit(names).Transform(names);
        var label = source.Schema["Label"];
        var data = HeadData.Create(context, label, [0, 1, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8], 2);

        Assert.Equal(label.Type, data.Schema["Label"].Type);
        Assert.Equal(new uint[] { 1, 2, 3, 3 }, data.GetColumn<uint>("Label").ToArray());
        VBuffer<ReadOnlyMemory<char>> values = default;
        data.Schema["Label"].GetKeyValues(ref values);
        Assert.Equal(["a", "b", "c"], values.DenseValues().Select(v => v.ToString()));
        Assert.Equal([7f, 8f], data.GetColumn<float[]>(HeadData.FeaturesColumn).Last());
    }

    private sealed class Named
    {
        public string Name { get; set; } = "";
    }
}
