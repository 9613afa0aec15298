using System.Security.Cryptography;
using MLNetDeep.Pretrained.Backbones;
using MLNetDeep.Pretrained.Imaging;
using MLNetDeep.Transforms.Imaging;

namespace MLNetDeep.Pretrained.FeatureExtraction;

/// <summary>
/// Phase 1's features: each image decoded (in parallel) and run through the frozen backbone graph in batches with
/// <see cref="OnnxFeatureExtractor"/>, once; images the <see cref="FeatureCache"/> knows are not decoded at all.
/// </summary>
internal static class ImageFeatureExtraction
{
    /// <summary>The features of <paramref name="rows"/>, row after row: rows × <paramref name="featureCount"/> floats.</summary>
    /// <exception cref="InvalidDataException">An image cannot be decoded; the message names its row or file.</exception>
    public static float[] Compute(IReadOnlyList<ImageRow> rows, BackboneGraph graph, FeatureCache cache, int batchSize, int? threads,
        string backboneDescription, Action<string> warn, out int featureCount, CancellationToken cancellationToken)
    {
        var hashes = new string[rows.Count];
        Parallel.For(0, rows.Count, Options(threads, cancellationToken), i => hashes[i] = Convert.ToHexStringLower(SHA256.HashData(rows[i].Encoded)));
        var found = new float[rows.Count][];
        int? width = null;
        var missing = new List<int>();
        for (var i = 0; i < rows.Count; i++)
        {
            if (cache.TryGet(graph.WeightsKey, hashes[i], width, out var cached))
            {
                found[i] = cached;
                width = cached.Length;
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count > 0)
        {
            using var extractor = new OnnxFeatureExtractor(graph.Model, new OnnxFeatureExtractorOptions
            {
                BatchSize = batchSize,
                IntraOpThreads = threads ?? 0,
                OutputName = BackboneGraph.FeaturesOutput,
            });
            DecodeInBatches(rows, missing, graph, batchSize, threads, warn, cancellationToken, (batch, pixels) =>
            {
                var features = extractor.Extract(pixels, batch.Count);
                var length = features.Length / batch.Count;
                width ??= length;
                for (var b = 0; b < batch.Count; b++)
                {
                    var vector = features.AsSpan(b * length, length).ToArray();
                    if (!vector.All(float.IsFinite))
                        throw new InvalidDataException($"The backbone '{backboneDescription}' gave non-finite features for {rows[batch[b]].Source}.");
                    found[batch[b]] = vector;
                    cache.Add(graph.WeightsKey, hashes[batch[b]], vector, backboneDescription);
                }
            });
        }

        featureCount = width ?? 0;
        var result = new float[rows.Count * featureCount];
        for (var i = 0; i < rows.Count; i++)
            found[i].CopyTo(result, i * featureCount);
        return result;
    }

    /// <summary>
    /// Decodes the rows <paramref name="selected"/> names (in parallel, <paramref name="batchSize"/> at a time) to the
    /// backbone's decoded size and hands each batch of pixels to <paramref name="consume"/>: the first bad image in row
    /// order fails with its own message, and images smaller than <see cref="ImageDecoder.SmallImageSide"/> are warned about once.
    /// </summary>
    public static void DecodeInBatches(IReadOnlyList<ImageRow> rows, IReadOnlyList<int> selected, BackboneGraph graph, int batchSize, int? threads,
        Action<string> warn, CancellationToken cancellationToken, Action<IReadOnlyList<int>, ReadOnlySpan<float>> consume)
    {
        var small = new System.Collections.Concurrent.ConcurrentBag<string>();
        var pixels = new float[Math.Min(batchSize, selected.Count) * graph.PixelCount];
        for (var start = 0; start < selected.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = selected.Skip(start).Take(batchSize).ToArray();
            var failures = new Exception?[batch.Length];
            Parallel.For(0, batch.Length, Options(threads, cancellationToken), b =>
            {
                var row = rows[batch[b]];
                try
                {
                    var (w, h) = ImageDecoder.Decode(row.Encoded, graph.DecodedSize, pixels.AsSpan(b * graph.PixelCount, graph.PixelCount), row.Source);
                    if (Math.Min(w, h) < ImageDecoder.SmallImageSide)
                        small.Add($"{row.Source} ({w}x{h})");
                }
                catch (InvalidDataException e)
                {
                    failures[b] = e;
                }
            });
            // The first bad image in row order, as a sequential decode would report it, not an AggregateException.
            if (failures.FirstOrDefault(f => f is not null) is { } failure)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            consume(batch, pixels.AsSpan(0, batch.Length * graph.PixelCount));
        }
        if (!small.IsEmpty)
        {
            warn($"{small.Count} image(s) have a side shorter than {ImageDecoder.SmallImageSide} pixels and were scaled up to " +
                $"{graph.DecodedSize}x{graph.DecodedSize}, which blurs them: {string.Join("; ", small.Order().Take(3))}{(small.Count > 3 ? "; ..." : "")}.");
        }
    }

    private static ParallelOptions Options(int? threads, CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = threads ?? Environment.ProcessorCount, CancellationToken = cancellationToken };
}
