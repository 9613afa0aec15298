using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using MLNetDeep.Trainers;
using MLNetDeep.Trainers.Training.Callbacks;

namespace MLNetDeep.Bench;

/// <summary>
/// Issue 14's first-epoch probe: one or more Fits in this process, each epoch's seconds from History and, for every
/// epoch, where its time went by step ranges (the first step, steps 2–10, 11–100, the rest) and after its last step
/// (exact batch-norm statistics, validation). A cost that sits in the first steps of the first Fit is warm-up (JIT,
/// first native calls); one spread over every step of epoch 1 is not. Run it in fresh processes, with the JIT or
/// OpenMP settings under test in the environment, to compare first Fits.
/// </summary>
internal static class FirstEpoch
{
    public static int Run(Args args)
    {
        int batch = args.Int("--batch", 32);
        int epochs = args.Int("--epochs", 3);
        int fits = args.Int("--fits", 1);
        int rows = args.Int("--rows", 55_000);
        int? threads = args.Get("--threads", "") is { Length: > 0 } t ? int.Parse(t, CultureInfo.InvariantCulture) : null;
        string config = args.Get("--config", "sample");
        bool probe = !args.Flag("--no-probe");
        var data = BenchData.LoadArrays(args, rows).ToDataViews();
        var process = Stopwatch.StartNew();
        for (int fit = 1; fit <= fits; fit++)
        {
            var options = Options(config, batch, epochs, threads, data.Validation);
            // What the per-step gradient norms cost: the same Fit without them.
            if (args.Flag("--no-grad-norms"))
                options.RecordGradientNorms = false;
            var steps = new StepClock();
            if (probe)
                options.AdditionalCallbacks.Add(steps);
            var ml = new MLContext(seed: 1);
            var clock = Stopwatch.StartNew();
            using var model = ml.MulticlassClassification.Trainers.DeepNeuralNetwork(options).Fit(data.Train);
            double fitSeconds = clock.Elapsed.TotalSeconds;
            var seconds = model.History.Epochs.Select(e => e.Seconds).ToList();
            double later = seconds.Count > 1 ? Stats.Median(seconds.Skip(1)) : double.NaN;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fit {fit}: epochs {string.Join(" ", seconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))} s; first/later {seconds[0] / later:F2}; fit {fitSeconds:F2} s; outside epochs {fitSeconds - seconds.Sum():F2} s; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            if (probe)
                Console.Write(steps.Report());
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"process {process.Elapsed.TotalSeconds:F1} s"));
        return 0;
    }

    /// <summary>The sample's network (input BN, dropout, validation, early stopping), the bench's (no input BN, no validation) or bench/Versus's.</summary>
    private static DeepNeuralNetworkOptions Options(string config, int batch, int epochs, int? threads, IDataView validation) => config switch
    {
        "sample" => new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 300, 100 },
            Activation = ActivationFunction.ReLU,
            WeightInitializer = WeightInitializer.HeNormal,
            InputBatchNormalization = true,
            BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
            DropoutRate = 0.2,
            Optimizer = OptimizerKind.Adam,
            LearningRate = 1e-3,
            Epochs = epochs,
            BatchSize = batch,
            ValidationSet = validation,
            EarlyStopping = new EarlyStoppingOptions { Metric = EarlyStoppingMetric.ValidationAccuracy, Patience = 4 },
            Seed = 42,
            NumberOfThreads = threads,
        },
        "bench" => new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 300, 100 },
            BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
            Epochs = epochs,
            BatchSize = batch,
            Seed = 1,
            NumberOfThreads = threads,
        },
        // bench/Versus's network: the sample's layers without validation, schedule or early stopping.
        "versus" => new DeepNeuralNetworkOptions
        {
            HiddenLayers = new[] { 300, 100 },
            InputBatchNormalization = true,
            BatchNormalization = BatchNormalizationPlacement.BeforeActivation,
            Activation = ActivationFunction.ReLU,
            DropoutRate = 0.2,
            Optimizer = OptimizerKind.Adam,
            LearningRate = 1e-3,
            Epochs = epochs,
            BatchSize = batch,
            Seed = 1,
            NumberOfThreads = threads,
        },
        _ => throw new ArgumentException($"--config is 'sample', 'bench' or 'versus', not '{config}'."),
    };

    /// <summary>
    /// Timestamps every step's end in wall time and in this thread's CPU time: with one thread libtorch computes on
    /// the calling thread, so CPU seconds measure the work even while other processes take the cores.
    /// </summary>
    private sealed class StepClock : TrainingCallback
    {
        private readonly List<(int Epoch, (long Wall, long Cpu) Begin, List<(long Wall, long Cpu)> Steps, (long Wall, long Cpu) Trained, (long Wall, long Cpu) End, double ProcessCpu, Counters Counters)> _epochs = new();
        private Counters _counters;
        private List<(long, long)> _steps = new();
        private (long, long) _begin;
        private (long, long) _trained;
        private TimeSpan _processCpu;

        public override void OnEpochBegin(TrainingState state)
        {
            _processCpu = Process.GetCurrentProcess().TotalProcessorTime;
            _counters = Counters.Read();
            _begin = Now();
            _steps = new List<(long, long)>(2000);
        }

        private readonly List<(int Epoch, int Step, long Faults)> _faults = new();

        private readonly List<(int Epoch, double[] Segments)> _segments = new();
        private long _batchBegin, _afterBackward, _previousEnd;

        public override void OnBatchBegin(TrainingState state)
        {
            _batchBegin = Stopwatch.GetTimestamp();
            if (_steps.Count > 0)
                _segments[^1].Segments[2] = (_batchBegin - _previousEnd) / (double)Stopwatch.Frequency;
        }

        // Last in the callback list, so the gradient norms (another callback's OnAfterBackward) fall before it.
        public override void OnAfterBackward(TrainingState state) => _afterBackward = Stopwatch.GetTimestamp();

        public override void OnBatchEnd(TrainingState state)
        {
            _previousEnd = Stopwatch.GetTimestamp();
            _segments.Add((state.Epoch, new[] { (_afterBackward - _batchBegin) / (double)Stopwatch.Frequency, (_previousEnd - _afterBackward) / (double)Stopwatch.Frequency, double.NaN }));
            _steps.Add(Now());
            if (_steps.Count is 1 or 10 or 100 or 300)
                _faults.Add((state.Epoch, _steps.Count, Counters.Read().MinorFaults));
        }

        public override void OnEpochTrained(TrainingState state, EpochMeasurements measurements) => _trained = Now();

        public override void OnEpochEnd(TrainingState state, EpochRecord record) =>
            _epochs.Add((state.Epoch, _begin, _steps, _trained, Now(), (Process.GetCurrentProcess().TotalProcessorTime - _processCpu).TotalSeconds, Counters.Read() - _counters));

        public string Report()
        {
            var text = new StringBuilder();
            foreach (var (epoch, begin, steps, trained, end, processCpu, counters) in _epochs)
            {
                int n = steps.Count;
                (long, long) At(int step) => steps[Math.Min(step, n) - 1];
                string Range((long Wall, long Cpu) from, (long Wall, long Cpu) to, int count = 0) =>
                    string.Create(CultureInfo.InvariantCulture, $"{(to.Wall - from.Wall) / (double)Stopwatch.Frequency:F3}/{(to.Cpu - from.Cpu) / 1e9:F3}") +
                    (count > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({(to.Cpu - from.Cpu) / 1e6 / count:F2} cpu ms/step)") : "");
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"  epoch {epoch} wall/thread-cpu s: all {Range(begin, end)} (process cpu {processCpu:F2}); step 1 {Range(begin, At(1))}, 2-10 {Range(At(1), At(10))}, 11-100 {Range(At(10), At(100), 90)}, 101-{n} {Range(At(100), At(n), n - 100)}; after the last step {Range(At(n), end)}; {counters}"));
                var windows = Enumerable.Range(0, n / 100).Select(w => (steps[Math.Min(n, (w + 1) * 100) - 1].Cpu - steps[Math.Max(0, w * 100 - 1)].Cpu) / 1e6 / 100);
                var mine = _segments.Where(x => x.Epoch == epoch).Select(x => x.Segments).ToList();
                string[] names = { "zero_grad+forward+loss+item+backward+grad norms", "optimizer step", "metric+GC+dispose+next gather" };
                text.AppendLine("    median step x steps, s: " + string.Join(", ", names.Select((name, i) => string.Create(CultureInfo.InvariantCulture,
                    $"{name} {Stats.Median(mine.Select(m => m[i]).Where(double.IsFinite)) * n:F3}"))));
                text.AppendLine("    cpu ms/step per 100 steps: " + string.Join(" ", windows.Select(w => w.ToString("F2", CultureInfo.InvariantCulture))) +
                    "; minor faults at steps 1/10/100/300: " + string.Join(" ", _faults.Where(f => f.Epoch == epoch).Select(f => f.Faults - _faults.First(g => g.Epoch == epoch).Faults)));
            }
            return text.ToString();
        }

        /// <summary>JIT work, collections and page faults of the process, to difference over an epoch.</summary>
        private readonly record struct Counters(long JittedMethods, double JitSeconds, int Gen0, int Gen1, int Gen2, long MinorFaults)
        {
            public static Counters Read()
            {
                long faults = 0;
                // /proc/self/stat field 10 is minflt (after the parenthesised command name).
                var stat = File.ReadAllText("/proc/self/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                faults = long.Parse(fields[7], CultureInfo.InvariantCulture);
                return new Counters(System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime().TotalSeconds,
                    GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), faults);
            }

            public static Counters operator -(Counters a, Counters b) => new(a.JittedMethods - b.JittedMethods, a.JitSeconds - b.JitSeconds,
                a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.MinorFaults - b.MinorFaults);

            public override string ToString() => string.Create(CultureInfo.InvariantCulture,
                $"jitted {JittedMethods} methods in {JitSeconds:F3} s, GCs {Gen0}/{Gen1}/{Gen2}, minor faults {MinorFaults}");
        }

        private static (long Wall, long Cpu) Now()
        {
            clock_gettime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var cpu);
            return (Stopwatch.GetTimestamp(), cpu.Seconds * 1_000_000_000 + cpu.Nanoseconds);
        }

        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = false)]
        private static extern int clock_gettime(int clock, out TimeSpec time);
    }
}
