using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.Backbones.ResNet50V2;
using MLNetDeep.Tests.Support;
using PureHDF;
using TorchSharp;

namespace MLNetDeep.Pretrained.Tests.Backbones.ResNet50V2;

public class KerasH5WeightsTests(ReferenceNetwork reference) : IClassFixture<ReferenceNetwork>
{
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Keras_file_reloads_to_identical_outputs(bool keras2WeightNames, bool asWholeModel)
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "weights.h5");
        KerasH5File.From(reference.Network, keras2WeightNames, asWholeModel).Write(path);

        using var network = ResNet50V2Network.Create();
        var loaded = ResNet50V2Weights.LoadKeras(network, path);

        using var output = reference.OutputOf(network);
        Assert.True(RandomWeights.Identical(output, reference.Output), "outputs differ after the Keras round trip");
        Assert.Equal(WeightsFormat.KerasH5, loaded.Format);
        Assert.Equal(102, loaded.LayerCount);
        Assert.Equal(ResNet50V2Network.ParameterCountWithoutTop, loaded.ValueCount);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), loaded.Sha256);
    }

    [Fact]
    public void Kernels_go_from_HWIO_to_OIHW()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "weights.h5");
        KerasH5File.From(reference.Network).Write(path);
        using var network = ResNet50V2Network.Create();
        ResNet50V2Weights.LoadKeras(network, path);

        using var file = H5File.OpenRead(path);
        var kernel = file.Group("conv1_conv").Dataset("conv1_conv/kernel:0").Read<float[]>();
        // kernel[h=1, w=2, i=0, o=5] in a (7, 7, 3, 64) array is weight[o=5, i=0, h=1, w=2].
        var keras = kernel[((1 * 7 + 2) * 3 + 0) * 64 + 5];
        Assert.Equal(keras, network.state_dict()["conv1_conv.weight"][5, 0, 1, 2].item<float>());
        Assert.NotEqual(keras, network.state_dict()["conv1_conv.weight"][5, 0, 2, 1].item<float>());
    }

    [Fact]
    public void Keras_file_with_the_top_loads_the_predictions_layer()
    {
        using var source = ResNet50V2Network.Create(classes: 5);
        RandomWeights.Fill(source, seed: 3);
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "top.h5");
        KerasH5File.From(source).Write(path);

        using var network = ResNet50V2Network.Create(classes: 5);
        ResNet50V2Weights.LoadKeras(network, path);

        source.eval();
        network.eval();
        using var noGrad = torch.no_grad();
        using var images = RandomWeights.Images(2, 64, seed: 4);
        Assert.True(RandomWeights.Identical(network.call(images), source.call(images)));
        Assert.True(RandomWeights.Identical(network.state_dict()["predictions.weight"], source.state_dict()["predictions.weight"]));
    }

    [Fact]
    public void Wrong_shape_names_the_layer_and_both_shapes()
    {
        var file = KerasH5File.From(reference.Network);
        file.ReplaceWeight("conv3_block2_2_conv", "kernel", new float[3 * 3 * 128 * 64], [3, 3, 128, 64]);

        var error = LoadExpectingError(file);
        Assert.Equal("conv3_block2_2_conv", error.LayerName);
        Assert.Contains("'conv3_block2_2_conv' weight 'kernel' has shape (3, 3, 128, 64), expected (3, 3, 128, 128)", error.Message);
    }

    [Fact]
    public void Missing_layer_is_named_with_its_expected_weights()
    {
        var file = KerasH5File.From(reference.Network);
        file.RemoveLayer("conv4_block3_1_bn");

        var error = LoadExpectingError(file);
        Assert.Equal("conv4_block3_1_bn", error.LayerName);
        Assert.Contains("no weights for layer 'conv4_block3_1_bn' (BatchNormalization, expected gamma (256,), beta (256,), moving_mean (256,), moving_variance (256,))", error.Message);
    }

    [Fact]
    public void Extra_layer_is_named()
    {
        var file = KerasH5File.From(reference.Network);
        file.AddLayer("dense_7", "kernel", new float[2048 * 3], [2048, 3]);

        var error = LoadExpectingError(file);
        Assert.Equal("dense_7", error.LayerName);
        Assert.Contains("weights for layer 'dense_7', which ResNet50V2 without its top does not have", error.Message);
    }

    [Fact]
    public void File_with_the_top_into_a_network_without_one_says_so()
    {
        using var source = ResNet50V2Network.Create(classes: 1000);
        var file = KerasH5File.From(source);

        var error = LoadExpectingError(file);
        Assert.Equal("predictions", error.LayerName);
        Assert.Contains("the file has the top; build the network with classes: 1000", error.Message);
    }

    [Fact]
    public void Reordered_layers_are_refused_because_Keras_loads_by_position()
    {
        var file = KerasH5File.From(reference.Network);
        file.SwapLayers("conv2_block2_1_conv", "conv2_block2_2_conv");

        var error = LoadExpectingError(file);
        Assert.Equal("conv2_block2_2_conv", error.LayerName);
        Assert.Contains("lists layer 'conv2_block2_2_conv' as weighted layer #", error.Message);
        Assert.Contains("where Keras' ResNet50V2 has 'conv2_block2_1_conv'", error.Message);
    }

    [Fact]
    public void Published_file_name_with_another_md5_is_refused()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, ResNet50V2Network.KerasWeightsFileNameWithoutTop);
        KerasH5File.From(reference.Network).Write(path);
        var md5 = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(File.ReadAllBytes(path)));

        using var network = ResNet50V2Network.Create();
        var before = network.state_dict()["conv1_conv.weight"].clone();
        var error = Assert.Throws<WeightsFileException>(() => ResNet50V2Weights.LoadKeras(network, path));
        Assert.Contains($"MD5 {md5}, where Keras publishes fac2f116257151a9d068a22e544a4917", error.Message);
        Assert.True(RandomWeights.Identical(network.state_dict()["conv1_conv.weight"], before), "a refused file must leave the network unchanged");
    }

    [Fact]
    public void Non_keras_files_get_a_clear_error()
    {
        using var folder = new TempDirectory();
        var text = Path.Combine(folder.Path, "notes.h5");
        File.WriteAllText(text, "not hdf5");
        using var network = ResNet50V2Network.Create();
        Assert.Contains("is not a readable HDF5 file", Assert.Throws<WeightsFileException>(() => ResNet50V2Weights.LoadKeras(network, text)).Message);
        Assert.Throws<FileNotFoundException>(() => ResNet50V2Weights.LoadKeras(network, Path.Combine(folder.Path, "absent.h5")));
    }

    private static WeightsFileException LoadExpectingError(KerasH5File file)
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "damaged.h5");
        file.Write(path);
        using var network = ResNet50V2Network.Create();
        return Assert.Throws<WeightsFileException>(() => ResNet50V2Weights.LoadKeras(network, path));
    }
}
