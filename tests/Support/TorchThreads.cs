using System.Runtime.CompilerServices;

namespace MLNetDeep.Tests.Support;

/// <summary>
/// Runs libtorch single-threaded in the test process. The test networks are tiny, so extra intra-op
/// threads add synchronisation and no speed; on a busy 2-core machine they made a 5 s fit take minutes.
/// Tests that care about threads set <c>NumberOfThreads</c> explicitly.
/// </summary>
internal static class TorchThreads
{
    [ModuleInitializer]
    internal static void UseOneThread() => TorchSharp.torch.set_num_threads(1);
}
