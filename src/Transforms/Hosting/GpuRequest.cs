using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLNetDeep.Transforms.Hosting;

/// <summary>
/// What the user asked for: a CUDA device or the CPU, and whether a GPU that cannot be used means the CPU (with a
/// warning) or an error. The setting names are quoted in <see cref="GpuPolicy"/>'s messages so the user knows
/// what to change.
/// </summary>
/// <param name="DeviceId">The CUDA device, or null for the CPU.</param>
/// <param name="FallbackToCpu">Whether an unusable GPU means the CPU rather than an error.</param>
/// <param name="DeviceSetting">Where <paramref name="DeviceId"/> was set, e.g. "MLContext.GpuDeviceId".</param>
/// <param name="FallbackSetting">Where <paramref name="FallbackToCpu"/> was set, e.g. "MLContext.FallbackToCpu".</param>
internal sealed record GpuRequest(int? DeviceId, bool FallbackToCpu, string DeviceSetting, string FallbackSetting)
{
    /// <summary>The request of an ML.NET context: <see cref="MLContext.GpuDeviceId"/> and <see cref="MLContext.FallbackToCpu"/>.</summary>
    /// <param name="environment">An <see cref="MLContext"/> or the environment behind a catalog.</param>
    public static GpuRequest Of(IHostEnvironment environment) => new(
        MLNetInternals.GpuDeviceId(environment), MLNetInternals.FallbackToCpu(environment),
        $"{nameof(MLContext)}.{nameof(MLContext.GpuDeviceId)}", $"{nameof(MLContext)}.{nameof(MLContext.FallbackToCpu)}");
}
