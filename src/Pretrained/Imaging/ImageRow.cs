namespace MLNetDeep.Pretrained.Imaging;

/// <summary>One training image: its encoded bytes, its class index (key − 1), and how errors name it.</summary>
internal sealed record ImageRow(long Row, int Class, byte[] Encoded, string Source);
