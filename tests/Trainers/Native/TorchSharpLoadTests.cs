using TorchSharp;

namespace MLNetDeep.Trainers.Tests.Native;

/// <summary>
/// TorchSharp must load and train inside the test process on this machine's libstdc++ (Debian 12: GLIBCXX_3.4.30),
/// which works only because the build marked libLibTorchSharp.so's GLIBCXX_3.4.32 requirement weak.
/// </summary>
public class TorchSharpLoadTests
{
    [Fact]
    public void TorchSharp_trains_a_linear_regression_in_the_test_process()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        var x = torch.randn(512, 3);
        var trueWeights = torch.tensor(new float[] { 2f, -1f, 0.5f }).reshape(3, 1);
        var y = x.matmul(trueWeights) - 0.75f + 0.01f * torch.randn(512, 1);

        var model = torch.nn.Linear(3, 1);
        var optimizer = torch.optim.SGD(model.parameters(), 0.1);
        var mse = torch.nn.MSELoss();
        float first = float.NaN, last = float.NaN;
        for (int step = 0; step < 150; step++)
        {
            optimizer.zero_grad();
            var loss = mse.forward(model.forward(x), y);
            loss.backward();
            optimizer.step();
            last = loss.item<float>();
            if (step == 0)
                first = last;
        }

        // The noise floor is 1e-4 against a starting loss of several units, so a working optimiser gains >1000x.
        Assert.True(first > 1f, $"the initial loss {first} is too small for the drop to mean anything");
        Assert.True(last < first / 1000f, $"the loss fell only from {first} to {last}; expected at least a 1000-fold drop");
    }

    [Fact]
    public void The_loaded_libLibTorchSharp_sits_beside_the_tests_and_requires_GLIBCXX_3_4_32_only_weakly()
    {
        using (torch.zeros(1)) { } // makes sure the native library is loaded

        var loaded = NativeLibraries.LoadedLibTorchSharp();
        Assert.True(loaded is not null, $"{NativeLibraries.LibTorchSharp} is not mapped into the test process after creating a tensor");
        var expected = Path.Combine(AppContext.BaseDirectory, NativeLibraries.LibTorchSharp);
        Assert.Equal(Path.GetFullPath(expected), Path.GetFullPath(loaded!));

        var requirement = Assert.Single(ElfVersionRequirements.Read(loaded!), r => r.Name == NativeLibraries.Glibcxx3432);
        Assert.Equal("libstdc++.so.6", requirement.Library);
        Assert.True(requirement.IsWeak, $"{NativeLibraries.Glibcxx3432} in '{loaded}' has flags 0x{requirement.Flags:x}; expected VER_FLG_WEAK (0x2)");
        Assert.Equal(0, requirement.RelocationCount);

        // A second opinion from binutils, independent of our parser, where it is installed.
        var flags = NativeLibraries.ReadelfFlags(loaded!, NativeLibraries.Glibcxx3432);
        if (flags is not null)
            Assert.Equal("WEAK", flags);
    }
}
