// One source file, compiled twice:
//  - by MSBuild's RoslynCodeTaskFactory (MLNetDeep.Native.targets), which takes exactly one source file and
//    only the netstandard2.0 surface, so nothing here may use newer APIs or other packages;
//  - by tests/MLNetDeep.Tests with MLNETDEEP_ELF_ONLY defined, because a test process has no MSBuild assemblies.
// The ELF logic lives in ElfVersionRequirements so that the tests exercise exactly what the builds run.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
#if !MLNETDEEP_ELF_ONLY
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks named GNU symbol-version requirements of ELF shared objects as weak (VER_FLG_WEAK), in place.
/// libLibTorchSharp.so 0.107.0 requires GLIBCXX_3.4.32 only for std::ios_base_library_init, a symbol it
/// never relocates; Debian 12 and Ubuntu 22.04 ship 3.4.30, so the loader refuses the library. A weak
/// requirement lets the loader accept it while every symbol the library really binds still resolves.
/// Only copies in build or publish folders are given to this task, never the NuGet cache.
/// </summary>
public sealed class PatchElfVersionRequirements : Task
{
    /// <summary>Shared objects to patch; files that are missing or not ELF64 little-endian are skipped.</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Version names whose requirement becomes weak, for example GLIBCXX_3.4.32.</summary>
    [Required]
    public string[] VersionNames { get; set; } = Array.Empty<string>();

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path))
                continue;
            try
            {
                var outcome = ElfVersionRequirements.MarkWeak(path, VersionNames);
                if (outcome.Changed > 0)
                    Log.LogMessage(MessageImportance.Normal, $"MLNetDeep: marked {outcome.Changed} version requirement(s) weak in {path}");
                foreach (var refused in outcome.Refused)
                {
                    // Weakening a version that relocations really bind would only move the failure from load time to
                    // the first call, so the library is left as it is and the user is told what it needs.
                    Log.LogWarning(null, "MLND003", null, path, 0, 0, 0, 0,
                        $"MLNetDeep: {refused.Name} (from {refused.Library}) was not marked weak in '{path}': " +
                        $"{refused.RelocationCount} relocation(s) bind symbols of that version, so the library needs a " +
                        $"{refused.Library} that provides {refused.Name}. Install a newer libstdc++ on this machine, or " +
                        "set MLNetDeepPatchLibTorchSharp=false to silence this check.");
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException)
            {
                Log.LogError(null, "MLND004", null, path, 0, 0, 0, 0,
                    $"MLNetDeep: could not patch the ELF version requirements of '{path}': {ex.Message} " +
                    "Set MLNetDeepPatchLibTorchSharp=false to build without the patch.");
            }
        }
        return !Log.HasLoggedErrors;
    }
}
#endif

/// <summary>One GNU symbol-version requirement of a shared object (an Elf64_Vernaux entry).</summary>
internal sealed class ElfVersionRequirement
{
    internal ElfVersionRequirement(string library, string name, ushort flags, ushort index, int flagsOffset)
    {
        Library = library;
        Name = name;
        Flags = flags;
        Index = index;
        FlagsOffset = flagsOffset;
    }

    /// <summary>The library the version is required from, for example libstdc++.so.6.</summary>
    public string Library { get; }

    /// <summary>The version name, for example GLIBCXX_3.4.32.</summary>
    public string Name { get; }

    /// <summary>vna_flags; bit 0x2 is VER_FLG_WEAK.</summary>
    public ushort Flags { get; }

    /// <summary>vna_other: the index that .gnu.version gives the symbols bound to this version.</summary>
    public ushort Index { get; }

    /// <summary>Dynamic relocations whose symbol carries this version; the loader looks up only those.</summary>
    public int RelocationCount { get; internal set; }

    public bool IsWeak => (Flags & ElfVersionRequirements.VerFlgWeak) != 0;

    internal int FlagsOffset { get; }
}

/// <summary>What <see cref="ElfVersionRequirements.MarkWeak"/> did to one file.</summary>
internal sealed class ElfMarkWeakOutcome
{
    /// <summary>Requirements whose weak flag was set by this call (already weak ones are not counted).</summary>
    public int Changed { get; internal set; }

    /// <summary>Requirements left strong because relocations bind symbols of their version.</summary>
    public List<ElfVersionRequirement> Refused { get; } = new List<ElfVersionRequirement>();
}

/// <summary>Reads and weakens the GNU version requirements (.gnu.version_r) of ELF64 little-endian shared objects.</summary>
internal static class ElfVersionRequirements
{
    public const ushort VerFlgWeak = 0x2;
    private const uint ShtRela = 4;
    private const uint ShtRel = 9;
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;

    /// <summary>All version requirements of the file; empty when it is not an ELF64 little-endian object.</summary>
    public static IReadOnlyList<ElfVersionRequirement> Read(string path) => Parse(File.ReadAllBytes(path));

    /// <summary>
    /// Sets VER_FLG_WEAK on the requirements named in <paramref name="versionNames"/> that no relocation binds.
    /// Rewrites the file only when something changed, so a second call is a no-op.
    /// </summary>
    public static ElfMarkWeakOutcome MarkWeak(string path, ICollection<string> versionNames)
    {
        byte[] elf = File.ReadAllBytes(path);
        var outcome = new ElfMarkWeakOutcome();
        foreach (var requirement in Parse(elf))
        {
            if (!versionNames.Contains(requirement.Name) || requirement.IsWeak)
                continue;
            if (requirement.RelocationCount > 0)
            {
                outcome.Refused.Add(requirement);
                continue;
            }
            WriteU16(elf, requirement.FlagsOffset, (ushort)(requirement.Flags | VerFlgWeak));
            outcome.Changed++;
        }
        if (outcome.Changed > 0)
            ReplaceFile(path, elf);
        return outcome;
    }

    /// <summary>Parses the requirements and counts, for each, the dynamic relocations that bind its symbols.</summary>
    internal static List<ElfVersionRequirement> Parse(byte[] elf)
    {
        var result = new List<ElfVersionRequirement>();
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            return result;
        if (elf[4] != 2 || elf[5] != 1)
            return result; // only ELF64 little-endian, which is what linux-x64 ships

        ulong shoff = ReadU64(elf, 0x28);
        int shentsize = ReadU16(elf, 0x3A);
        int shnum = ReadU16(elf, 0x3C);
        if (shoff == 0 || shnum == 0)
            throw new InvalidDataException("the file has no section headers, so its version requirements cannot be located");
        if (shentsize < 64 || shoff > (ulong)elf.Length || (ulong)elf.Length - shoff < (ulong)shentsize * (ulong)shnum)
            throw new InvalidDataException($"the section header table (offset {shoff}, {shnum} x {shentsize} bytes) lies outside the file ({elf.Length} bytes)");

        var sections = new Section[shnum];
        for (int s = 0; s < shnum; s++)
            sections[s] = new Section(elf, (int)shoff + s * shentsize);

        for (int s = 0; s < shnum; s++)
        {
            if (sections[s].Type != ShtGnuVerneed)
                continue;
            var strtab = SectionAt(sections, sections[s].Link, ".gnu.version_r string table");
            int need = Offset(sections[s].Offset, elf.Length);
            for (uint n = 0; n < sections[s].Info; n++)
            {
                int auxCount = ReadU16(elf, need + 2);
                string library = ReadCString(elf, (long)strtab.Offset + ReadU32(elf, need + 4));
                int aux = checked(need + (int)ReadU32(elf, need + 8));
                for (int a = 0; a < auxCount; a++)
                {
                    result.Add(new ElfVersionRequirement(
                        library,
                        ReadCString(elf, (long)strtab.Offset + ReadU32(elf, aux + 8)),
                        ReadU16(elf, aux + 4),
                        ReadU16(elf, aux + 6),
                        aux + 4));
                    aux = checked(aux + (int)ReadU32(elf, aux + 12));
                }
                uint next = ReadU32(elf, need + 12);
                if (next == 0)
                    break;
                need = checked(need + (int)next);
            }
        }

        CountRelocations(elf, sections, result);
        return result;
    }

    // The loader resolves a versioned symbol only when a relocation refers to it; a requirement whose symbols are
    // never relocated is checked at load time and then never used, which is what makes weakening it safe.
    private static void CountRelocations(byte[] elf, Section[] sections, List<ElfVersionRequirement> requirements)
    {
        if (requirements.Count == 0)
            return;
        int dynsym = Array.FindIndex(sections, s => s.Type == ShtDynsym);
        int versym = Array.FindIndex(sections, s => s.Type == ShtGnuVersym);
        if (dynsym < 0 || versym < 0)
            return;

        int symbolCount = sections[dynsym].EntrySize == 0 ? 0 : (int)(sections[dynsym].Size / sections[dynsym].EntrySize);
        int versymOffset = Offset(sections[versym].Offset, elf.Length);
        var byIndex = new Dictionary<int, ElfVersionRequirement>();
        foreach (var requirement in requirements)
            byIndex[requirement.Index & 0x7fff] = requirement;

        foreach (var section in sections)
        {
            if ((section.Type != ShtRela && section.Type != ShtRel) || section.Link != (uint)dynsym || section.EntrySize == 0)
                continue;
            int start = Offset(section.Offset, elf.Length);
            long count = (long)(section.Size / section.EntrySize);
            for (long r = 0; r < count; r++)
            {
                // r_info sits at offset 8 in both Elf64_Rel and Elf64_Rela; its high half is the symbol index.
                ulong info = ReadU64(elf, checked(start + (int)(r * (long)section.EntrySize) + 8));
                int symbol = (int)(info >> 32);
                if (symbol == 0 || symbol >= symbolCount)
                    continue;
                int version = ReadU16(elf, checked(versymOffset + symbol * 2)) & 0x7fff;
                if (byIndex.TryGetValue(version, out var requirement))
                    requirement.RelocationCount++;
            }
        }
    }

    // Writes beside the target and renames over it: a build killed mid-write never leaves a torn library, and a
    // target that is a hard or symbolic link into the NuGet cache is replaced, not written through.
    private static void ReplaceFile(string path, byte[] contents)
    {
        string temp = path + ".mlnetdeep-tmp";
        try
        {
            File.WriteAllBytes(temp, contents);
            File.Replace(temp, path, null); // rename(2) on Linux
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    private static Section SectionAt(Section[] sections, uint index, string what)
    {
        if (index >= sections.Length)
            throw new InvalidDataException($"the {what} is section {index}, but the file has only {sections.Length} sections");
        return sections[index];
    }

    private static int Offset(ulong offset, int length)
    {
        if (offset >= (ulong)length)
            throw new InvalidDataException($"offset {offset} lies outside the file ({length} bytes)");
        return (int)offset;
    }

    private static void Check(byte[] data, long offset, int size)
    {
        if (offset < 0 || offset + size > data.Length)
            throw new InvalidDataException($"a {size}-byte field at offset {offset} lies outside the file ({data.Length} bytes)");
    }

    // Explicit little-endian reads: BitConverter follows the host's byte order, the file's is fixed.
    private static ushort ReadU16(byte[] d, long o)
    {
        Check(d, o, 2);
        return (ushort)(d[o] | d[o + 1] << 8);
    }

    private static uint ReadU32(byte[] d, long o)
    {
        Check(d, o, 4);
        return (uint)(d[o] | d[o + 1] << 8 | d[o + 2] << 16 | d[o + 3] << 24);
    }

    private static ulong ReadU64(byte[] d, long o) => ReadU32(d, o) | (ulong)ReadU32(d, o + 4) << 32;

    private static void WriteU16(byte[] d, int o, ushort value)
    {
        d[o] = (byte)value;
        d[o + 1] = (byte)(value >> 8);
    }

    private static string ReadCString(byte[] data, long start)
    {
        Check(data, start, 1);
        long end = start;
        while (end < data.Length && data[end] != 0)
            end++;
        return Encoding.ASCII.GetString(data, (int)start, (int)(end - start));
    }

    private readonly struct Section
    {
        public Section(byte[] elf, int header)
        {
            Type = ReadU32(elf, header + 4);
            Offset = ReadU64(elf, header + 0x18);
            Size = ReadU64(elf, header + 0x20);
            Link = ReadU32(elf, header + 0x28);
            Info = ReadU32(elf, header + 0x2C);
            EntrySize = ReadU64(elf, header + 0x38);
        }

        public uint Type { get; }
        public ulong Offset { get; }
        public ulong Size { get; }
        public uint Link { get; }
        public uint Info { get; }
        public ulong EntrySize { get; }
    }
}
