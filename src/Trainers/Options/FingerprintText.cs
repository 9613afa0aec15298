using System.Globalization;
using System.Text;

namespace MLNetDeep.Trainers.Options;

/// <summary>
/// The options part of a run fingerprint: "name=value;" pairs in the order the option parts add them. It keeps
/// the names it was given, so a test can tell which public option no part adds.
/// </summary>
internal sealed class FingerprintText
{
    private readonly StringBuilder _text = new();
    private readonly List<string> _names = new();

    /// <summary>The option names added so far, in order.</summary>
    public IReadOnlyList<string> Names => _names;

    public void Add(string name, object? value)
    {
        _names.Add(name);
        _text.Append(name).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append(';');
    }

    public override string ToString() => _text.ToString();
}
