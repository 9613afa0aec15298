namespace MLNetDeep.Tests.Support;

/// <summary>Checks that an error message names the file it is about and says what went wrong.</summary>
internal static class MessageAssertions
{
    public static void ShouldNameFileAnd(this string message, string path, string expected)
    {
        Assert.Contains($"'{path}'", message);
        Assert.Contains(expected, message);
    }
}
