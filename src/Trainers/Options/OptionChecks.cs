namespace MLNetDeep.Trainers.Options;

/// <summary>
/// The checks an options type runs on itself before any work, so a bad value fails at once with the option's
/// name (prefixed by the options type, e.g. "DeepNeuralNetworkOptions.Epochs") and its allowed range rather than
/// deep inside training.
/// </summary>
internal sealed class OptionChecks
{
    private readonly string _owner;

    /// <param name="owner">The options type's name, which every message starts with.</param>
    public OptionChecks(string owner) => _owner = owner;

    public void Require(bool condition, string option, object value, string expected)
    {
        if (!condition)
            throw Invalid(option, value, expected);
    }

    public void RequireDefined<TEnum>(TEnum value, string option)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw Invalid(option, value, $"one of {string.Join(", ", Enum.GetNames<TEnum>())}");
    }

    /// <summary>A folder option may name a folder that does not exist yet (it is created), but not an existing file.</summary>
    public void RequireFolder(string? path, string option)
    {
        if (path is null)
            return;
        if (string.IsNullOrWhiteSpace(path))
            throw Invalid(option, $"'{path}'", "a folder path, or null to turn it off");
        if (File.Exists(path))
            throw Invalid(option, $"'{path}'", "a folder (created if missing), but that path is an existing file");
    }

    public void RequireName(string? name, string option)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw Invalid(option, name ?? "null", "a column name");
    }

    public ArgumentOutOfRangeException Invalid(string option, object value, string expected) =>
        new(option, value, $"{_owner}.{option} is {value}; expected {expected}.");
}
