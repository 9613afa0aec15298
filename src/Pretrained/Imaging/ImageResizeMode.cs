namespace MLNetDeep.Pretrained.Imaging;

/// <summary>How <see cref="ImageTensorLoader"/> fits an image to the network's input size.</summary>
public enum ImageResizeMode
{
    /// <summary>
    /// The default: crop the largest centred region with the target's aspect ratio, then scale it (no distortion;
    /// ML.NET's <c>ResizeImages</c> default, IsoCrop with a centre anchor).
    /// </summary>
    CenterCrop = 0,

    /// <summary>Scale the whole image to the target size, distorting its aspect ratio.</summary>
    Stretch = 1,
}
