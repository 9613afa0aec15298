using System.Numerics.Tensors;
using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Abstractions;
using MLNetDeep.Tests.Support;

namespace MLNetDeep.Datasets.Tests;

public sealed class FashionMnistRealDataTests(RealFashionMnistFixture data, ITestOutputHelper output)
    : IClassFixture<RealFashionMnistFixture>
{
    private const int ImageHeaderBytes = 16;
    private const int LabelHeaderBytes = 8;
    private const int Pixels = 784;

    [Theory]
    [InlineData("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84")]
    [InlineData("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845")]
    [InlineData("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073")]
    [InlineData("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5")]
    public void SharedFile_HasThePublishedSha256_AndTheLoaderExpectsIt(string fileName, string sha256)
    {
        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(RealFashionMnistFixture.Directory, fileName))));

        Assert.Equal(sha256, actual);
        Assert.Equal(sha256, FashionMnist.Files.Single(file => file.FileName == fileName).Sha256);
    }

    [Fact]
    public void VerifyFiles_AcceptsTheSharedFiles()
    {
        FashionMnist.VerifyFiles(RealFashionMnistFixture.Directory);
        output.WriteLine($"Fixture load (verify + decompress + split): {data.LoadTime.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void Split_Has55000Train5000Validation10000Test()
    {
        Assert.Equal((55_000, 5_000, 10_000), (data.Arrays.Train.Count, data.Arrays.Validation.Count, data.Arrays.Test.Count));
        Assert.Equal(55_000L, data.Views.Train.GetRowCount());
        Assert.Equal(5_000L, data.Views.Validation.GetRowCount());
        Assert.Equal(10_000L, data.Views.Test.GetRowCount());
        Assert.Equal(5_000, ReadLabelKeys(data.Views.Validation).Count);
    }

    [Fact]
    public void FirstTrainingImage_IsAnAnkleBoot()
    {
        Assert.Equal(9, data.Arrays.Train.Labels[0]);
        Assert.Equal(10u, ReadLabelKeys(data.Views.Train)[0]);
        Assert.Equal("Ankle boot", MapLabelsToNames(data.Views.Train, 1)[0]);
    }

    [Fact]
    public void TestSet_Has1000ImagesPerClass()
    {
        var histogram = ReadLabelKeys(data.Views.Test).GroupBy(key => key).OrderBy(g => g.Key).Select(g => (g.Key, g.Count()));

        Assert.Equal(Enumerable.Range(1, 10).Select(key => ((uint)key, 1_000)), histogram);
    }

    [Fact]
    public void Features_AreAKnownSizeVectorOfPixelsScaledToUnitRange()
    {
        var column = data.Views.Train.Schema["Features"];
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, Pixels), column.Type);

        var (min, max, rows) = (float.MaxValue, float.MinValue, 0);
        using var cursor = data.Views.Train.GetRowCursor([column]);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(column);
        var features = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getFeatures(ref features);
            Assert.Equal(Pixels, features.Length);
            (min, max) = (Math.Min(min, TensorPrimitives.Min(features.GetValues())), Math.Max(max, TensorPrimitives.Max(features.GetValues())));
            rows++;
        }

        Assert.Equal(55_000, rows);
        Assert.Equal(0f, min);
        Assert.Equal(1f, max);
    }

    [Theory]
    [InlineData("train", 0, 14, 14)]
    [InlineData("train", 54_999, 20, 10)]
    [InlineData("validation", 0, 14, 14)]
    [InlineData("validation", 4_999, 12, 16)]
    [InlineData("test", 0, 14, 14)]
    [InlineData("test", 9_999, 14, 14)]
    public void Pixel_EqualsTheRawByteOverTwoHundredFiftyFive(string set, int row, int y, int x)
    {
        var (view, raw, rawImage) = set switch
        {
            "train" => (data.Views.Train, data.RawTrainImages, row),
            "validation" => (data.Views.Validation, data.RawTrainImages, 55_000 + row),
            _ => (data.Views.Test, data.RawTestImages, row),
        };
        var rawByte = raw[ImageHeaderBytes + rawImage * Pixels + y * 28 + x];
        Assert.NotEqual(0, rawByte); // a background pixel would not tell scaling apart from zero-filling

        Assert.Equal(rawByte / 255f, ReadFeatures(view, row)[y * 28 + x]);
    }

    [Fact]
    public void Validation_IsTheLast5000TrainingImages_AndTrainTheFirst55000()
    {
        var raw = data.RawTrainImages.AsSpan(ImageHeaderBytes);
        var rawLabels = data.RawTrainLabels.AsSpan(LabelHeaderBytes);

        Assert.Equal(60_000 * Pixels, raw.Length);
        Assert.True(raw[(55_000 * Pixels)..].SequenceEqual(data.Arrays.Validation.Pixels));
        Assert.True(rawLabels[55_000..].SequenceEqual(data.Arrays.Validation.Labels));
        Assert.True(raw[..(55_000 * Pixels)].SequenceEqual(data.Arrays.Train.Pixels));
        Assert.True(rawLabels[..55_000].SequenceEqual(data.Arrays.Train.Labels));
        var lastRawImage = raw[(59_999 * Pixels)..].ToArray().Select(b => b / 255f);
        Assert.Equal(lastRawImage, ReadFeatures(data.Views.Validation, 4_999));
    }

    [Fact]
    public void Label_IsAKeyColumnWhoseKeyValuesAreTheClassNames()
    {
        var label = data.Views.Test.Schema["Label"];
        var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
        label.GetKeyValues(ref keyValues);

        Assert.Equal(new KeyDataViewType(typeof(uint), 10), label.Type);
        Assert.Equal(
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            keyValues.DenseValues().Select(name => name.ToString()));
    }

    [Fact]
    public void MapKeyToValue_TurnsLabelsIntoClassNames()
    {
        var names = MapLabelsToNames(data.Views.Test, 1_000);

        Assert.Equal(data.Arrays.Test.Labels.Take(1_000).Select(label => FashionMnist.ClassNames[label]), names);
    }

    [Fact]
    public void TrainedClassifier_PredictedLabelMapsBackToClassNames()
    {
        var ml = new MLContext(seed: 1);
        var train = new LabeledImagesDataView(data.Arrays.Train.Slice(0, 1_000), FashionMnist.ClassNames);
        var test = new LabeledImagesDataView(data.Arrays.Test.Slice(0, 500), FashionMnist.ClassNames);
        var model = ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(maximumNumberOfIterations: 3)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedName", "PredictedLabel"))
            .Fit(train);

        var predictions = ml.Data.CreateEnumerable<PredictedName>(model.Transform(test), reuseRowObject: false).ToList();
        var accuracy = predictions.Zip(data.Arrays.Test.Labels)
            .Count(pair => pair.First.Name == FashionMnist.ClassNames[pair.Second]) / (double)predictions.Count;

        Assert.All(predictions, p => Assert.Contains(p.Name, FashionMnist.ClassNames));
        Assert.InRange(accuracy, 0.5, 1.0); // chance is 0.1; a linear model on 1,000 images gets about 0.75
        output.WriteLine($"SDCA on 1,000 images, accuracy on 500 test images: {accuracy:P1}");
    }

    [Fact]
    public void TypedRows_ReadThroughCreateEnumerable()
    {
        var ml = new MLContext();
        var first = ml.Data.CreateEnumerable<TypedRow>(data.Views.Validation, reuseRowObject: false).First();

        Assert.Equal(data.Arrays.Validation.Labels[0] + 1u, first.Label);
        Assert.Equal(data.Arrays.Validation.GetImage(0).ToArray().Select(b => b / 255f), first.Features);
    }

    [Fact]
    public void ShuffledCursor_VisitsEveryRowOnceInAnotherOrder()
    {
        var view = data.Views.Validation;
        var label = view.Schema["Label"];
        var ids = new List<ulong>();
        using (var cursor = view.GetRowCursor([label], new Random(7)))
        {
            var getId = cursor.GetIdGetter();
            var getLabel = cursor.GetGetter<uint>(label);
            DataViewRowId id = default;
            uint key = 0;
            while (cursor.MoveNext())
            {
                getId(ref id);
                getLabel(ref key);
                Assert.Equal(data.Arrays.Validation.Labels[(int)id.Low] + 1u, key);
                ids.Add(id.Low);
            }
        }

        Assert.True(view.CanShuffle);
        Assert.Equal(Enumerable.Range(0, 5_000).Select(i => (ulong)i), ids.Order());
        Assert.NotEqual(Enumerable.Range(0, 5_000).Select(i => (ulong)i), ids);
    }

    [Fact]
    public void RowCapsAndValidationCount_ChangeTheSplit()
    {
        var capped = FashionMnist.LoadArrays(new FashionMnistOptions
        {
            DataDirectory = RealFashionMnistFixture.Directory,
            VerifyHashes = false,
            ValidationCount = 10_000,
            MaxTrainRows = 100,
            MaxValidationRows = 20,
            MaxTestRows = 50,
        });

        Assert.Equal((100, 20, 50), (capped.Train.Count, capped.Validation.Count, capped.Test.Count));
        Assert.True(data.RawTrainImages.AsSpan(ImageHeaderBytes + 50_000 * Pixels, 20 * Pixels).SequenceEqual(capped.Validation.Pixels));
        Assert.True(data.Arrays.Test.Labels.AsSpan(0, 50).SequenceEqual(capped.Test.Labels));
    }

    private static List<uint> ReadLabelKeys(IDataView view)
    {
        var label = view.Schema["Label"];
        using var cursor = view.GetRowCursor([label]);
        var getLabel = cursor.GetGetter<uint>(label);
        var keys = new List<uint>();
        uint key = 0;
        while (cursor.MoveNext())
        {
            getLabel(ref key);
            keys.Add(key);
        }
        return keys;
    }

    private static float[] ReadFeatures(IDataView view, int row)
    {
        var features = view.Schema["Features"];
        using var cursor = view.GetRowCursor([features]);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        var value = default(VBuffer<float>);
        for (var i = 0; i <= row; i++)
            Assert.True(cursor.MoveNext());
        getFeatures(ref value);
        return value.DenseValues().ToArray();
    }

    private static List<string> MapLabelsToNames(IDataView view, int rows)
    {
        var ml = new MLContext();
        var named = ml.Transforms.Conversion.MapKeyToValue("LabelName", "Label").Fit(view).Transform(view);
        return ml.Data.CreateEnumerable<LabelName>(named, reuseRowObject: false).Take(rows).Select(row => row.Name).ToList();
    }

    private sealed class LabelName
    {
        [ColumnName("LabelName")]
        public string Name { get; set; } = "";
    }

    private sealed class PredictedName
    {
        [ColumnName("PredictedName")]
        public string Name { get; set; } = "";
    }

    private sealed class TypedRow
    {
        [VectorType(784)]
        public float[] Features { get; set; } = [];

        [KeyType(10)]
        public uint Label { get; set; }
    }
}
