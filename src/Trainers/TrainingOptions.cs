using Microsoft.ML;
using MLNetDeep.Trainers.Schedules;
using MLNetDeep.Trainers.Training;
using MLNetDeep.Trainers.Training.Callbacks;

namespace MLNetDeep.Trainers;

/// <summary>
/// The options every trainer of this library shares, whatever its network: the columns, the optimizer and its
/// regularization, the loop (epochs, batches, shuffling, seed), the data (validation, loading), training control
/// (early stopping, schedules, clipping, checkpoints, threads) and observability (TensorBoard, progress,
/// gradient norms). <see cref="DeepNeuralNetworkOptions"/> adds the MLP architecture and the task settings.
/// </summary>
/// <remarks>Only this library's option types derive from it: each part validates itself and adds itself to the checkpoint fingerprint.</remarks>
public abstract partial class TrainingOptions
{
    /// <summary>Only this library's option types derive from this class.</summary>
    private protected TrainingOptions()
    {
    }

    /// <summary>The label column. Default: "Label". Multiclass needs a key column (use <c>MapValueToKey</c>), binary a Boolean column, regression a Single (float) column.</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The features column: a known-size vector of <see cref="float"/>. Default: "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>L1 penalty factor λ₁: the loss gains λ₁·Σ|w| over the network's penalised weights (the MLP's dense-layer weights, Keras <c>kernel_regularizer</c>; never biases, BN or PReLU parameters). Default: 0.</summary>
    public double L1 { get; set; }

    /// <summary>
    /// L2 penalty factor λ₂: the loss gains λ₂·Σw² over the network's penalised weights, as for <see cref="L1"/> (Keras
    /// semantics, no ½). Must be finite and &gt;= 0. Default: null, resolved at <c>Fit</c>: when the small-data defaults
    /// apply (see <see cref="ValidationFraction"/>) to n &lt;= 10,000 rows, 0.001 for class labels and 10 / n for a numeric
    /// label (0.1 at 100 rows, 0.028 at 354, 0.001 at 10,000): a squared error is fitted by finite weights and a noisy
    /// regression needs the shrinkage, while a cross-entropy keeps rewarding larger weights and a stronger penalty
    /// under-fits clean tables; the penalty is added to the mean loss, so for a regression it falls as the rows grow,
    /// keeping its weight against the summed loss constant (measured in BENCHMARKS.md, "A smaller network for small
    /// tables"); otherwise 0.
    /// </summary>
    public double? L2 { get; set; }

    /// <summary>The optimizer. Default: <see cref="OptimizerKind.Adam"/>.</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>The learning rate η. Default: 0.001 (Keras' Adam default; SGD usually wants about 0.01).</summary>
    public double LearningRate { get; set; } = 0.001;

    /// <summary>Momentum β for <see cref="OptimizerKind.Momentum"/>, <see cref="OptimizerKind.Nesterov"/> and RMSProp's optional momentum term. Default: 0.9.</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>Adam/Nadam/AdamW first-moment decay β₁. Default: 0.9.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Adam/Nadam/AdamW second-moment decay β₂. Default: 0.999.</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>Numerical-stability term ε of AdaGrad, RMSProp and the Adam family. Default: 1e-7 (Keras; PyTorch uses 1e-8).</summary>
    public double Epsilon { get; set; } = 1e-7;

    /// <summary>RMSProp's decay ρ of the squared-gradient average. Default: 0.9 (Keras; PyTorch's alpha is 0.99).</summary>
    public double Rho { get; set; } = 0.9;

    /// <summary>AdamW's decoupled weight decay. Default: 0.01.</summary>
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>
    /// Passes over the training data (a ceiling when early stopping ends training sooner). Must be &gt;= 1. Default: null,
    /// resolved at <c>Fit</c>: 200 when the small-data defaults apply (see <see cref="ValidationFraction"/>; early
    /// stopping then usually ends training long before), otherwise 10.
    /// </summary>
    public int? Epochs { get; set; }

    /// <summary>Rows per gradient step. Default: 32 (Keras).</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Whether rows are reshuffled every epoch. Default: true.</summary>
    public bool Shuffle { get; set; } = true;

    /// <summary>
    /// Seed for weight initialization, shuffling, dropout and the validation split. Two runs with the
    /// same seed, data and thread count give bit-identical weights. Default: null, which draws a seed
    /// from the <see cref="MLContext"/>'s random source (so <c>new MLContext(seed: 1)</c> is reproducible too).
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>
    /// Fraction of the training rows held out (a seeded random sample) to compute validation loss and
    /// metrics each epoch. For classification the sample is stratified: each class gives about this fraction of
    /// its rows, and every class with at least 2 rows gives at least one, so a rare class is measured too.
    /// Must be in [0, 1); 0 trains on every row. Ignored when <see cref="ValidationSet"/> is set.
    /// </summary>
    /// <remarks>
    /// Default: null, resolved at <c>Fit</c> from the number n of usable training rows, counted before the first epoch.
    /// When none of <see cref="ValidationFraction"/>, <see cref="ValidationSet"/> and <see cref="EarlyStopping"/> is set and
    /// 100 &lt;= n &lt;= 50,000, the <b>small-data defaults</b> apply: 0.15 of the rows are held out (stratified for class
    /// labels, seeded), <see cref="EarlyStopping"/> becomes validation-loss early stopping with patience 10 that restores
    /// the best epoch's weights, an unset <see cref="Epochs"/> becomes 200, and up to 10,000 rows an unset
    /// <see cref="L2"/> becomes 0.001 for class labels or 10 / n for a numeric label, and for class labels an unset
    /// <c>DeepNeuralNetworkOptions.HiddenLayers</c> becomes { 100 }; the choice is written to <c>mlContext.Log</c> in
    /// one line. Otherwise it resolves to 0 (every row trains), with 10 epochs, L2 0, { 300, 100 } and no early
    /// stopping. On a few hundred to tens of thousands of rows a fixed 10 epochs under-trains clean tables and
    /// overfits noisy ones, and validation early stopping suits both, with a smaller, regularised network on the
    /// smaller ones (measured in BENCHMARKS.md, "Tabular data"); below 100 rows a
    /// 15-row validation loss is too noisy to stop on, and above 50,000 rows 10 epochs are already over 15,000 steps
    /// at batch 32 while a 200-epoch ceiling could cost hours. Set this option (0 keeps every row for training) or
    /// any of the other two to opt out.
    /// </remarks>
    public double? ValidationFraction { get; set; }

    /// <summary>
    /// Whether rows with a NaN or infinite feature, or a missing or non-finite label, are left out of
    /// training and validation instead of failing the run. The number left out, and the first such row,
    /// are written to <c>mlContext.Log</c> as a warning. Default: false (such a row is an error that
    /// names the column, the row and the slot).
    /// </summary>
    public bool SkipRowsWithNonFiniteValues { get; set; }

    /// <summary>An explicit validation set with the same columns as the training data. Default: null.</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>
    /// Whether the data is read into memory or streamed from the view every epoch. Default:
    /// <see cref="DataLoadingMode.Auto"/>, which streams only data larger than <see cref="InMemoryLimitBytes"/>.
    /// Streaming gives the same weights as in memory when <see cref="Shuffle"/> is false and there is no
    /// <see cref="ValidationFraction"/>; shuffled, it shuffles through a bounded buffer, and its validation split
    /// is decided row by row as the rows are read (seeded; for class labels every (1/fraction)-th row of each class),
    /// so it is not the in-memory split and its size is about, not exactly, the fraction.
    /// </summary>
    public DataLoadingMode DataLoading { get; set; } = DataLoadingMode.Auto;

    /// <summary>
    /// With <see cref="DataLoadingMode.Auto"/>, the largest training data (rows × features × 4 bytes) read into
    /// memory; larger data is streamed. Must be &gt; 0. Default: 2 GiB (2,147,483,648), so Fashion-MNIST
    /// (220 MB) stays in memory and a million 784-feature rows (3.1 GB) stream.
    /// </summary>
    public long InMemoryLimitBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// When streaming with <see cref="Shuffle"/>, the rows held in the shuffle buffer: each row read replaces a
    /// random one of them, which goes to the next batch. Memory is this × features × 4 bytes (205 MB for 65,536
    /// rows of 784 features). Rows further apart in the view than the buffer mix less, so data sorted by label
    /// wants a buffer of several classes' rows, or a shuffled file. Must be &gt;= 1. Default: 65,536.
    /// </summary>
    public int ShuffleBufferRows { get; set; } = 65_536;

    /// <summary>
    /// Early stopping. Default: null, which is off unless the small-data defaults apply (see
    /// <see cref="ValidationFraction"/>): then validation-loss early stopping with patience 10, best weights restored.
    /// </summary>
    public EarlyStoppingOptions? EarlyStopping { get; set; }

    /// <summary>A learning-rate schedule (exponential, piecewise, plateau, 1cycle, cosine); null keeps <see cref="LearningRate"/> constant. Default: null.</summary>
    public LearningRateSchedule? LearningRateSchedule { get; set; }

    /// <summary>Rescales all gradients together so their global L2 norm is at most this value. Default: null (no clipping).</summary>
    public double? GradientClipNorm { get; set; }

    /// <summary>Clips every gradient component to [−v, v]. Default: null (no clipping).</summary>
    public double? GradientClipValue { get; set; }

    /// <summary>Max-norm constraint r: after each step, each unit's incoming weight vector in every penalised weight matrix (the MLP's dense layers) is rescaled to norm ≤ r (Keras <c>max_norm</c>). Default: null.</summary>
    public double? MaxNorm { get; set; }

    /// <summary>
    /// Folder for per-epoch checkpoints (model, optimizer, schedule and RNG state, history). Training with
    /// the same options and folder resumes after the last completed epoch. Default: null (no checkpoints).
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Folder for TensorBoard event files (per-epoch scalars, weight and gradient histograms). Default: null.</summary>
    public string? TensorBoardLogDirectory { get; set; }

    /// <summary>
    /// Receives an <see cref="EpochReport"/> after every epoch, on the training thread, once the epoch's checkpoint (if any)
    /// is written: cancelling the <c>Fit</c>'s token from here stops the run before the next epoch's first batch, and a later
    /// <c>Fit</c> resumes after this epoch. Default: null.
    /// </summary>
    public IProgress<EpochReport>? Progress { get; set; }

    /// <summary>Whether per-layer gradient norms are recorded each epoch (see <see cref="DeepNeuralNetworkTransformer.GradientNorms"/>). Default: true.</summary>
    public bool RecordGradientNorms { get; set; } = true;

    /// <summary>Extra callbacks, for tests that watch the loop batch by batch.</summary>
    internal List<Training.Callbacks.TrainingCallback> AdditionalCallbacks { get; } = new();

    /// <summary>
    /// Whether the optimizer updates all parameters as one flat tensor (see <see cref="Training.FlatParameters"/>)
    /// rather than one tensor at a time: the same arithmetic, fewer native calls. Internal, so tests and the bench
    /// can compare both layouts. Default: true.
    /// </summary>
    internal bool FlatParameterBuffer { get; set; } = true;

    /// <summary>Intra-op CPU threads for libtorch during Fit (the process-wide count is restored afterwards). Results are bit-reproducible only at a fixed thread count. Default: null (libtorch's choice, usually the core count).</summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>
    /// Whether, at the end of every epoch (before validation, early stopping and checkpoints see it), each
    /// batch-normalization layer's running mean and variance are replaced by those of the training rows (up to
    /// 8,192 of them, evenly spread; all of them for the input batch norm, computed once), computed in an extra
    /// forward pass with dropout off, as at inference. PyTorch's
    /// running averages (momentum 0.1) reflect only the last dozen or so mini-batches, so validation metrics and the
    /// returned model changed with an epoch's last batches even when the weights did not. The weights are unaffected
    /// either way. Costs about 3–7 % of a 55,000-row epoch at batch 128 or 256; it is paid every epoch only when
    /// something uses the statistics during training (validation data, checkpoints, early stopping), and otherwise
    /// once, after the last epoch, for the returned model. Ignored without batch normalization. Default: true.
    /// </summary>
    public bool PreciseBatchNormStatistics { get; set; } = true;
}
