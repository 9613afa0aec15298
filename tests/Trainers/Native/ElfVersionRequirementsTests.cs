using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace MLNetDeep.Trainers.Tests.Native;

/// <summary>
/// The ELF logic of the build-time patcher (build/ElfVersionRequirementPatcher.cs, compiled into this assembly),
/// run on temporary copies of the pristine libLibTorchSharp.so from the NuGet cache.
/// </summary>
public sealed class ElfVersionRequirementsTests : IDisposable
{
    private static readonly string[] Glibcxx3432 = [NativeLibraries.Glibcxx3432];
    private readonly string _pristine = NativeLibraries.PristineLibTorchSharp();
    private readonly string _temp = Directory.CreateTempSubdirectory("mlnetdeep-elf-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Marks_GLIBCXX_3_4_32_weak_changing_only_its_flag_and_a_second_run_changes_nothing()
    {
        var cacheHash = Hash(_pristine);
        var copy = CopyPristine("libLibTorchSharp.so");
        var before = ElfVersionRequirements.Read(copy);
        var target = Assert.Single(before, r => r.Name == NativeLibraries.Glibcxx3432);
        Assert.False(target.IsWeak, $"the NuGet cache copy '{_pristine}' already has a weak {NativeLibraries.Glibcxx3432}: something patched the cache");
        // What makes the patch safe: the loader never looks the version's one symbol up.
        Assert.Equal(0, target.RelocationCount);

        var first = ElfVersionRequirements.MarkWeak(copy, Glibcxx3432);

        Assert.Equal(1, first.Changed);
        Assert.Empty(first.Refused);
        var after = ElfVersionRequirements.Read(copy);
        Assert.True(Assert.Single(after, r => r.Name == NativeLibraries.Glibcxx3432).IsWeak);
        Assert.Equal(before.Where(r => r.Name != NativeLibraries.Glibcxx3432).Select(r => (r.Library, r.Name, r.Flags)),
                     after.Where(r => r.Name != NativeLibraries.Glibcxx3432).Select(r => (r.Library, r.Name, r.Flags)));
        var changedBytes = DifferingOffsets(File.ReadAllBytes(_pristine), File.ReadAllBytes(copy));
        Assert.NotEmpty(changedBytes);
        Assert.All(changedBytes, offset => Assert.InRange(offset, target.FlagsOffset, target.FlagsOffset + 1));
        var flags = NativeLibraries.ReadelfFlags(copy, NativeLibraries.Glibcxx3432);
        if (flags is not null)
            Assert.Equal("WEAK", flags);

        var patchedHash = Hash(copy);
        var patchedTime = File.GetLastWriteTimeUtc(copy);
        var second = ElfVersionRequirements.MarkWeak(copy, Glibcxx3432);

        Assert.Equal(0, second.Changed);
        Assert.Empty(second.Refused);
        Assert.Equal(patchedHash, Hash(copy));
        Assert.Equal(patchedTime, File.GetLastWriteTimeUtc(copy)); // not even rewritten
        Assert.Equal(cacheHash, Hash(_pristine));
    }

    [Fact]
    public void Patching_through_a_hard_link_or_a_symbolic_link_leaves_the_linked_file_untouched()
    {
        // Builds may copy natives as links into the NuGet cache (CreateHardLinksForCopyLocalIfPossible and friends);
        // the patcher must replace the link, never write through it.
        var stand_in_for_cache = CopyPristine("cache-libLibTorchSharp.so");
        var hash = Hash(stand_in_for_cache);
        var hardLink = Path.Combine(_temp, "hard", NativeLibraries.LibTorchSharp);
        Directory.CreateDirectory(Path.GetDirectoryName(hardLink)!);
        Assert.True(link(stand_in_for_cache, hardLink) == 0, $"link() failed with errno {Marshal.GetLastPInvokeError()}");
        var symLink = Path.Combine(_temp, "sym", NativeLibraries.LibTorchSharp);
        Directory.CreateDirectory(Path.GetDirectoryName(symLink)!);
        File.CreateSymbolicLink(symLink, stand_in_for_cache);

        Assert.Equal(1, ElfVersionRequirements.MarkWeak(hardLink, Glibcxx3432).Changed);
        Assert.Equal(1, ElfVersionRequirements.MarkWeak(symLink, Glibcxx3432).Changed);

        Assert.Equal(hash, Hash(stand_in_for_cache));
        Assert.Null(new FileInfo(symLink).LinkTarget); // now a plain file
        Assert.True(ElfVersionRequirements.Read(hardLink).Single(r => r.Name == NativeLibraries.Glibcxx3432).IsWeak);
        Assert.True(ElfVersionRequirements.Read(symLink).Single(r => r.Name == NativeLibraries.Glibcxx3432).IsWeak);
        Assert.Empty(Directory.GetFiles(_temp, "*.mlnetdeep-tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Refuses_to_weaken_a_version_whose_symbols_are_relocated()
    {
        var copy = CopyPristine("libLibTorchSharp.so");
        var hash = Hash(copy);

        // GLIBCXX_3.4 carries most of the C++ runtime the library calls: weakening it would only defer the failure.
        var outcome = ElfVersionRequirements.MarkWeak(copy, ["GLIBCXX_3.4"]);

        Assert.Equal(0, outcome.Changed);
        var refused = Assert.Single(outcome.Refused);
        Assert.Equal("GLIBCXX_3.4", refused.Name);
        Assert.True(refused.RelocationCount > 0);
        Assert.Equal(hash, Hash(copy));
    }

    [Fact]
    public void Leaves_files_that_are_not_ELF64_little_endian_alone()
    {
        var text = Path.Combine(_temp, "libNotElf.so");
        File.WriteAllText(text, "not an ELF file, just long enough to have a header's worth of bytes in it.........");

        Assert.Empty(ElfVersionRequirements.Read(text));
        Assert.Equal(0, ElfVersionRequirements.MarkWeak(text, Glibcxx3432).Changed);
        Assert.Equal("not an ELF file", File.ReadAllText(text)[..15]);
    }

    [Fact]
    public void A_truncated_library_is_reported_as_invalid_data_not_patched()
    {
        var truncated = Path.Combine(_temp, "libTruncated.so");
        File.WriteAllBytes(truncated, File.ReadAllBytes(_pristine)[..4096]);

        var error = Assert.Throws<InvalidDataException>(() => ElfVersionRequirements.MarkWeak(truncated, Glibcxx3432));
        Assert.Contains("outside the file", error.Message);
        Assert.Equal(4096, new FileInfo(truncated).Length);
    }

    private string CopyPristine(string name)
    {
        var copy = Path.Combine(_temp, name);
        File.Copy(_pristine, copy);
        return copy;
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static List<int> DifferingOffsets(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var offsets = new List<int>();
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i])
                offsets.Add(i);
        return offsets;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int link(string oldpath, string newpath);
}
