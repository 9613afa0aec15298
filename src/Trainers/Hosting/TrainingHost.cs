using Microsoft.ML;
using Microsoft.ML.Runtime;
using TorchSharp;
using MLNetDeep.Transforms.Hosting;

namespace MLNetDeep.Trainers.Hosting;

/// <summary>
/// What a training run takes from the user's <see cref="MLContext"/>: its log channel, its random
/// source for the default seed, and its GPU choice.
/// </summary>
internal sealed class TrainingHost : IDisposable
{
    private readonly IHost _host;
    private readonly IChannel _channel;

    public TrainingHost(IHostEnvironment environment, string componentName)
    {
        Environment = environment;
        _host = environment.Register(componentName);
        _channel = _host.Start("Training");
    }

    /// <summary>The user's context, or the environment behind its catalogs.</summary>
    public IHostEnvironment Environment { get; }

    /// <summary>Writes an informational line to <c>mlContext.Log</c>.</summary>
    public void Info(string message) => _channel.Info(MessageSensitivity.None, message);

    /// <summary>Writes a warning to <c>mlContext.Log</c>.</summary>
    public void Warning(string message) => _channel.Warning(MessageSensitivity.None, message);

    /// <summary>The explicit seed, or one drawn from the context's random source (seeded when the context is).</summary>
    public int ResolveSeed(int? explicitSeed) => explicitSeed ?? _host.Rand.Next();

    /// <summary>
    /// CUDA device <see cref="MLContext.GpuDeviceId"/> when it is set and CUDA is present; otherwise the CPU, as
    /// <see cref="GpuPolicy"/> decides (a warning when <see cref="MLContext.FallbackToCpu"/> allows it, an error when not).
    /// </summary>
    public torch.Device ResolveDevice()
    {
        var device = GpuPolicy.Choose(GpuRequest.Of(Environment), CudaUnavailable, "train", "MLNetDeep is training on the CPU", Warning);
        return device is int gpu ? torch.device(DeviceType.CUDA, gpu) : torch.CPU;
    }

    private static GpuUnavailable? CudaUnavailable(int gpu)
    {
        if (torch.cuda.is_available() && gpu < torch.cuda.device_count())
            return null;
        return torch.cuda.is_available()
            ? new GpuUnavailable($"only {torch.cuda.device_count()} CUDA device(s) are present", $"choose a device below {torch.cuda.device_count()}")
            : new GpuUnavailable("libtorch has no CUDA support in this process", "reference a CUDA libtorch package (TorchSharp-cuda-linux or TorchSharp-cuda-windows)");
    }

    public void Dispose() => _channel.Dispose();
}
