namespace MLNetDeep.Transforms.Imaging;

/// <summary>What an image column holds.</summary>
internal enum ImageColumnKind
{
    /// <summary>Encoded image bytes, a <c>VarVector&lt;Byte&gt;</c> as <c>LoadRawImageBytes</c> gives.</summary>
    EncodedBytes,

    /// <summary>Text: image file paths, absolute or relative to an image folder.</summary>
    Paths,
}
