using System.Runtime.CompilerServices;

namespace MLNetDeep.Transforms.Scoring;

/// <summary>
/// The ONNX file an <c>OnnxTransformer</c> reads while it lives, deleted when its owner is released or collected.
/// </summary>
/// <remarks>
/// ML.NET 5.0.1 copies a model passed as a stream into a temporary file that it treats as the caller's and
/// never deletes, so every fitted model used to leave one file in the temp folder. Writing the file here and
/// tying it to the transformer that reads it lets the file go with the transformer. ML.NET reads the file
/// again when the model is saved, so it must outlive the transformer, not just its construction.
/// </remarks>
internal sealed class TemporaryModelFile : IDisposable
{
    private static readonly ConditionalWeakTable<object, TemporaryModelFile> Owners = new();

    private TemporaryModelFile(string path) => Path = path;

    ~TemporaryModelFile() => Delete();

    public string Path { get; }

    /// <summary>Writes <paramref name="bytes"/> to a new file in <paramref name="directory"/>.</summary>
    public static TemporaryModelFile Write(string directory, byte[] bytes)
    {
        Directory.CreateDirectory(directory);
        var file = new TemporaryModelFile(System.IO.Path.Combine(directory, $"mlnetdeep-{System.IO.Path.GetRandomFileName()}.onnx"));
        try
        {
            File.WriteAllBytes(file.Path, bytes);
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return file;
    }

    /// <summary>Keeps the file as long as <paramref name="owner"/> is reachable.</summary>
    public void AttachTo(object owner) => Owners.AddOrUpdate(owner, this);

    /// <summary>Deletes the file attached to <paramref name="owner"/>, if any.</summary>
    public static void ReleaseFrom(object owner)
    {
        if (Owners.TryGetValue(owner, out var file))
        {
            Owners.Remove(owner);
            file.Dispose();
        }
    }

    public void Dispose()
    {
        Delete();
        GC.SuppressFinalize(this);
    }

    private void Delete()
    {
        try
        {
            File.Delete(Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Windows refuses while ONNX Runtime's handle is still open (a finalizer race); the temp folder's owner cleans up.
        }
    }
}
