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
    /// CUDA device <see cref="MLContext.GpuDeviceId"/> when it is set and CUDA is present; otherwise the
    /// CPU, with a warning when <see cref="MLContext.FallbackToCpu"/> allows it and an error when not.
    /// </summary>
    public torch.Device ResolveDevice()
    {
        if (HostEnvironmentSettings.GpuDeviceId(Environment) is not int gpu)
            return torch.CPU;
        if (torch.cuda.is_available() && gpu < torch.cuda.device_count())
            return torch.device(DeviceType.CUDA, gpu);
        var reason = torch.cuda.is_available()
            ? $"only {torch.cuda.device_count()} CUDA device(s) are present"
            : "libtorch has no CUDA support in this process (reference a CUDA libtorch package)";
        if (!HostEnvironmentSettings.FallbackToCpu(Environment))
            throw new InvalidOperationException($"MLContext.GpuDeviceId is {gpu} but {reason}; set MLContext.FallbackToCpu = true to train on the CPU instead.");
        Warning($"MLContext.GpuDeviceId is {gpu} but {reason}; training on the CPU.");
        return torch.CPU;
    }

    public void Dispose() => _channel.Dispose();
}
