using Microsoft.ML;
using System.Reflection;
using MLNetDeep.Trainers.Checkpoints;
using MLNetDeep.Trainers.Schedules;

namespace MLNetDeep.Trainers.Tests.Options;

/// <summary>
/// Every public option is either in the checkpoint fingerprint, so that resuming with a changed value is refused, or
/// listed with its reason as not shaping the training trajectory. A new option that is neither fails here.
/// </summary>
public sealed class OptionsFingerprintTests
{
    private static readonly Type[] OptionTypes = { typeof(TrainingOptions), typeof(DeepNeuralNetworkOptions) };

    private static IEnumerable<PropertyInfo> PublicOptions(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Where(p => p.CanWrite);

    private static string Text(DeepNeuralNetworkOptions o) => RunFingerprint.Text(o, seed: 1, streamed: true).ToString();

    public static TheoryData<string> AllOptions()
    {
        var data = new TheoryData<string>();
        foreach (var p in OptionTypes.SelectMany(PublicOptions))
            data.Add(p.Name);
        return data;
    }

    [Fact]
    public void EveryPublicOptionIsFingerprintedOrExemptWithAReason()
    {
        var added = RunFingerprint.Text(new DeepNeuralNetworkOptions(), 1, streamed: true).Names.ToHashSet();
        var exempt = TrainingOptions.NotFingerprinted.Concat(DeepNeuralNetworkOptions.NotFingerprinted).ToDictionary(kv => kv.Key, kv => kv.Value);
        var missing = OptionTypes.SelectMany(PublicOptions).Select(p => p.Name).Where(n => !added.Contains(n) && !exempt.ContainsKey(n)).ToList();
        Assert.True(missing.Count == 0, $"Options neither in the fingerprint nor exempt: {string.Join(", ", missing)}.");
        Assert.All(exempt, kv => Assert.False(string.IsNullOrWhiteSpace(kv.Value)));
        // An exemption must not hide an option that is fingerprinted after all, nor name one that does not exist.
        Assert.DoesNotContain(exempt.Keys, added.Contains);
        var names = OptionTypes.SelectMany(PublicOptions).Select(p => p.Name).ToHashSet();
        Assert.DoesNotContain(exempt.Keys, k => !names.Contains(k));
    }

    [Theory]
    [MemberData(nameof(AllOptions))]
    public void ChangingAFingerprintedOptionChangesTheFingerprint(string option)
    {
        if (TrainingOptions.NotFingerprinted.ContainsKey(option) || DeepNeuralNetworkOptions.NotFingerprinted.ContainsKey(option))
            return;
        if (option == nameof(TrainingOptions.Seed))
        {
            // The seed the run resolves (Seed, or one drawn from the MLContext) is what the fingerprint holds.
            var any = new DeepNeuralNetworkOptions();
            Assert.NotEqual(RunFingerprint.Text(any, 1, true).ToString(), RunFingerprint.Text(any, 2, true).ToString());
            return;
        }
        var property = typeof(DeepNeuralNetworkOptions).GetProperty(option)!;
        var options = new DeepNeuralNetworkOptions();
        string before = Text(options);
        property.SetValue(options, Different(property.PropertyType, property.GetValue(options)));
        Assert.NotEqual(before, Text(options));
    }

    [Fact]
    public void ASchedulesSettingsArePartOfTheFingerprint()
    {
        var slow = new DeepNeuralNetworkOptions { LearningRateSchedule = new ExponentialDecaySchedule(100, 0.5) };
        var fast = new DeepNeuralNetworkOptions { LearningRateSchedule = new ExponentialDecaySchedule(100, 0.1) };
        Assert.NotEqual(Text(slow), Text(fast));
    }

    [Fact]
    public void SharedOptionErrorsNameTheConcreteOptionsType()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DeepNeuralNetworkOptions { Epochs = 0 }.Validate());
        Assert.Contains("DeepNeuralNetworkOptions.Epochs is 0", error.Message);
        var architecture = Assert.Throws<ArgumentOutOfRangeException>(() => new DeepNeuralNetworkOptions { DropoutRate = 1 }.Validate());
        Assert.Contains("DeepNeuralNetworkOptions.DropoutRate is 1", architecture.Message);
        var task = Assert.Throws<ArgumentOutOfRangeException>(() => new DeepNeuralNetworkOptions { HuberDelta = 0 }.Validate());
        Assert.Contains("DeepNeuralNetworkOptions.HuberDelta is 0", task.Message);
    }

    private static object? Different(Type type, object? value)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string))
            return (string?)value + "X";
        if (underlying == typeof(bool))
            return !(bool)(value ?? false);
        if (underlying == typeof(int))
            return (int)(value ?? 0) + 3;
        if (underlying == typeof(long))
            return (long)(value ?? 0L) + 3;
        if (underlying == typeof(double))
            return (double)(value ?? 0.0) * 0.5 + 0.25;
        if (underlying.IsEnum)
        {
            var values = Enum.GetValues(underlying);
            return value is null ? values.GetValue(0) : values.GetValue((Array.IndexOf(values, value) + 1) % values.Length);
        }
        if (underlying == typeof(int[]))
            return ((int[]?)value ?? Array.Empty<int>()).Append(7).ToArray();
        if (underlying == typeof(EarlyStoppingOptions))
            return new EarlyStoppingOptions { Patience = 9 };
        if (underlying == typeof(LearningRateSchedule))
            return new CosineDecaySchedule(100);
        if (underlying == typeof(ReusedLayers))
            return new ReusedLayers(TinyModel.Value, hiddenLayerCount: 1) { FrozenEpochs = 2 };
        throw new NotSupportedException($"The test cannot vary an option of type {type}; add it here.");
    }

    private static readonly Lazy<MulticlassDeepNeuralNetworkTransformer> TinyModel = new(() =>
        new MLContext(seed: 1).MulticlassClassification.Trainers.DeepNeuralNetwork(new DeepNeuralNetworkOptions { HiddenLayers = new[] { 4 }, Epochs = 1, Seed = 1 })
            .Fit(MLNetDeep.Tests.Support.SyntheticData.Blobs(new MLContext(seed: 0), 20, 3, classes: 2, seed: 1).Data));
}
