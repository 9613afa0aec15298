// Compiled by MSBuild's RoslynCodeTaskFactory from MLNetDeep.Native.targets. Keep it dependency-free.
using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks named GNU symbol-version requirements of ELF shared objects as weak (VER_FLG_WEAK), in place.
/// libLibTorchSharp.so 0.107.0 requires GLIBCXX_3.4.32 only for std::ios_base_library_init, a symbol it
/// never relocates; Debian 12 and Ubuntu 22.04 ship 3.4.30, so the loader refuses the library. A weak
/// requirement lets the loader accept it while every symbol the library really binds still resolves.
/// Only copies in build or publish folders are patched, never the NuGet cache.
/// </summary>
public sealed class PatchElfVersionRequirements : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

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
                int changed = PatchFile(path, VersionNames);
                if (changed > 0)
                    Log.LogMessage(MessageImportance.Normal, $"MLNetDeep: marked {changed} version requirement(s) weak in {path}");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException)
            {
                Log.LogError($"MLNetDeep: could not patch the ELF version requirements of '{path}': {ex.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>Returns how many requirements were changed (0 when already weak or absent).</summary>
    public static int PatchFile(string path, string[] versionNames)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            return 0;
        if (elf[4] != 2 || elf[5] != 1)
            return 0; // only ELF64 little-endian, which is what linux-x64 ships

        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        ushort shentsize = BitConverter.ToUInt16(elf, 0x3A);
        ushort shnum = BitConverter.ToUInt16(elf, 0x3C);
        if (shoff == 0 || shentsize < 64 || shoff + (ulong)shentsize * shnum > (ulong)elf.Length)
            throw new InvalidDataException("section header table lies outside the file");

        int changed = 0;
        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)shoff + s * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed)
                continue;
            long offset = (long)BitConverter.ToUInt64(elf, sh + 0x18);
            uint link = BitConverter.ToUInt32(elf, sh + 0x28);
            uint count = BitConverter.ToUInt32(elf, sh + 0x2C);
            int strSh = checked((int)shoff + (int)link * shentsize);
            long strOffset = (long)BitConverter.ToUInt64(elf, strSh + 0x18);

            long need = offset;
            for (uint n = 0; n < count; n++)
            {
                ushort auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                    string name = ReadCString(elf, strOffset + BitConverter.ToUInt32(elf, (int)aux + 8));
                    if (versionNames.Contains(name) && (flags & VerFlgWeak) == 0)
                    {
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, (int)aux + 4);
                        changed++;
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                if (next == 0)
                    break;
                need += next;
            }
        }

        if (changed > 0)
        {
            // Write beside the target and rename, so a build killed mid-write never leaves a torn library.
            string temp = path + ".mlnetdeep-tmp";
            File.WriteAllBytes(temp, elf);
            File.Replace(temp, path, null); // rename(2) on Linux: atomic
        }
        return changed;
    }

    private static string ReadCString(byte[] data, long start)
    {
        long end = start;
        while (end < data.Length && data[end] != 0)
            end++;
        return Encoding.ASCII.GetString(data, (int)start, (int)(end - start));
    }
}
