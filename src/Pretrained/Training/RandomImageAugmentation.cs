using MLNetDeep.Trainers.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MLNetDeep.Pretrained.Training;

/// <summary>
/// Phase 2's data augmentation on decoded pixel batches [N, 3, S, S]: a random resized crop (a share of the area
/// between the minimum and 1, aspect ratio 3/4 to 4/3, scaled back to S × S bilinearly, as torchvision's
/// RandomResizedCrop) and a horizontal flip with probability 1/2. Every draw comes from the loop's seeded generator.
/// </summary>
internal sealed class RandomImageAugmentation : IBatchAugmentation
{
    private static readonly double LogMinimumRatio = Math.Log(3.0 / 4);
    private static readonly double LogMaximumRatio = Math.Log(4.0 / 3);
    private readonly bool _flip;
    private readonly double? _minimumArea;

    public RandomImageAugmentation(bool flip, double? minimumArea)
    {
        _flip = flip;
        _minimumArea = minimumArea;
    }

    /// <summary>Whether the options ask for any augmentation.</summary>
    public static bool IsOn(FineTuningOptions options) => options.RandomHorizontalFlip || options.RandomResizedCropMinimumArea is not null;

    public Tensor Augment(Tensor samples, Generator generator)
    {
        var count = samples.shape[0];
        var height = samples.shape[2];
        var width = samples.shape[3];
        // Drawn as one tensor per batch, always the same count, so the generator's sequence depends on the batch sizes alone.
        var draws = rand([count, 4], generator: generator, dtype: ScalarType.Float64);
        var values = draws.data<double>().ToArray();
        var result = samples;
        if (_minimumArea is double minimum)
        {
            var crops = new Tensor[count];
            for (long i = 0; i < count; i++)
            {
                var area = height * width * (minimum + (1 - minimum) * values[i * 4]);
                var ratio = Math.Exp(LogMinimumRatio + (LogMaximumRatio - LogMinimumRatio) * values[i * 4 + 1]);
                var w = (long)Math.Clamp(Math.Round(Math.Sqrt(area * ratio)), 1, width);
                var h = (long)Math.Clamp(Math.Round(Math.Sqrt(area / ratio)), 1, height);
                var top = (long)Math.Floor(values[i * 4 + 2] * (height - h + 1));
                var left = (long)Math.Floor(values[i * 4 + 3] * (width - w + 1));
                var crop = samples.narrow(0, i, 1).narrow(2, Math.Min(top, height - h), h).narrow(3, Math.Min(left, width - w), w);
                crops[i] = h == height && w == width ? crop : F.interpolate(crop, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
            }
            result = cat(crops, 0);
        }
        if (_flip)
        {
            var flips = rand([count], generator: generator).lt(0.5).view(count, 1, 1, 1);
            result = where(flips, result.flip(3), result);
        }
        return result;
    }
}
