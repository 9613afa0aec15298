using MLNetDeep.Transforms.Onnx;

namespace MLNetDeep.Pretrained.Onnx.Import;


/// <summary>
/// Resolves the <c>location</c> of a tensor stored outside an ONNX file, refusing any that leaves the model's folder.
/// </summary>
/// <remarks>
/// A location is written by whoever made the file. Read as given, an absolute path, a <c>../</c> or a symbolic link
/// pointing out of the folder would copy the first bytes of any file the user can read into the model's weights, and
/// from there into a saved model that may be shared: the hole the onnx package closed in CVE-2022-25882 and again in
/// CVE-2024-27318. So the location must be a relative path whose every component, links resolved, stays inside the
/// folder, as onnx's checker requires.
/// </remarks>
internal static class ExternalDataLocation
{
    /// <summary>
    /// The full path of <paramref name="location"/> inside <paramref name="modelDirectory"/>, every symbolic link on
    /// the way resolved.
    /// </summary>
    /// <exception cref="OnnxImportException">The location is empty, absolute, or resolves outside the folder.</exception>
    public static string Resolve(string modelDirectory, string location, string tensorName)
    {
        OnnxImportException Refuse(string why) => new(
            $"Tensor '{tensorName}' is stored in external data at location '{location}', which {why}; an external_data " +
            $"location must be a relative path inside the model's folder '{modelDirectory}'. The file was refused so that it " +
            "cannot read other files into the model (CVE-2022-25882, CVE-2024-27318).")
        { AttributeName = tensorName };

        if (string.IsNullOrWhiteSpace(location))
            throw Refuse("is empty");
        if (Path.IsPathRooted(location) || location.StartsWith('\\') || location.Contains(':'))
            throw Refuse("is absolute");
        var root = RealPath(Path.GetFullPath(modelDirectory));
        var current = root;
        foreach (var part in location.Split('/', '\\'))
        {
            if (part is "" or ".")
                continue;
            if (part == "..")
                throw Refuse("climbs out with '..'");
            current = RealPath(Path.Combine(current, part));
            if (!IsInside(root, current))
                throw Refuse($"leads through a symbolic link to '{current}', outside the folder");
        }
        if (current == root)
            throw Refuse("names the folder itself");
        return current;
    }

    private static string RealPath(string path)
    {
        // ResolveLinkTarget resolves the last component only; the components before it were resolved by the caller.
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        var target = info.Exists && info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true) : null;
        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(target?.FullName ?? path));
    }

    private static bool IsInside(string root, string path) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
