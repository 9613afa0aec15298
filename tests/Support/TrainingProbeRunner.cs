using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace MLNetDeep.Tests.Support;

/// <summary>Runs tests/TrainingProbe (a seeded Fit with checkpoints that writes its final weights) in a fresh process.</summary>
internal static class TrainingProbeRunner
{
    /// <summary>Where the build put the probe (the <c>TrainingProbePath</c> assembly metadata of Tests.props).</summary>
    public static string ProbePath => Assembly.GetExecutingAssembly().GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "TrainingProbePath").Value!;

    /// <summary>The start info for one probe run, output redirected, for callers that change its environment.</summary>
    public static ProcessStartInfo StartInfo(string checkpoints, int epochs, string weights)
    {
        Assert.True(File.Exists(ProbePath), $"TrainingProbe was not built at {ProbePath}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { ProbePath, checkpoints, epochs.ToString(CultureInfo.InvariantCulture), weights })
            start.ArgumentList.Add(arg);
        return start;
    }

    /// <summary>Runs the probe to its end (5 minutes at most), asserts it succeeded, and returns what it printed.</summary>
    public static string Run(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(300_000), "the probe did not finish in 5 minutes");
        Assert.True(process.ExitCode == 0, $"probe exited {process.ExitCode}: {stdout}\n{stderr}");
        return stdout;
    }
}
