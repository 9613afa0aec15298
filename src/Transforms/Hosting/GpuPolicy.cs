namespace MLNetDeep.Transforms.Hosting;

/// <summary>
/// The one rule for a GPU that was asked for and cannot be used, applied alike by training (libtorch), the ML.NET
/// scoring chain, <c>BatchPredictor</c> and feature extraction (ONNX Runtime): a usable device is used; otherwise
/// the work runs on the CPU after a warning when the request allows fallback, and fails naming the setting, the
/// reason and both ways out when it does not. No GPU asked for means the CPU, silently.
/// </summary>
internal static class GpuPolicy
{
    /// <summary>The device to run on: the requested one, or null for the CPU.</summary>
    /// <param name="request">What the user asked for.</param>
    /// <param name="tryDevice">Null when the device can be used (it may already have opened it); else why not.</param>
    /// <param name="work">What runs, as an infinitive for the error: "train", "score", "run".</param>
    /// <param name="onCpu">What happens on fallback, as a clause for the warning: "MLNetDeep is training on the CPU".</param>
    /// <param name="warning">Receives the fallback warning.</param>
    /// <exception cref="InvalidOperationException">The device cannot be used and the request does not allow fallback.</exception>
    public static int? Choose(GpuRequest request, Func<int, GpuUnavailable?> tryDevice, string work, string onCpu, Action<string> warning)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.DeviceId is not int device)
            return null;
        if (tryDevice(device) is not { } unavailable)
            return device;
        string detail = unavailable.Detail is null ? "" : $" Reason: {unavailable.Detail}";
        if (!request.FallbackToCpu)
        {
            throw new InvalidOperationException(
                $"{char.ToUpperInvariant(unavailable.Reason[0])}{unavailable.Reason[1..]}, and {request.DeviceSetting} is {device}: " +
                $"{unavailable.Remedy}, or set {request.FallbackSetting} = true to {work} on the CPU instead.{detail}");
        }
        warning($"{request.DeviceSetting} is {device} but {unavailable.Reason}, so {onCpu}.{detail}");
        return null;
    }
}
