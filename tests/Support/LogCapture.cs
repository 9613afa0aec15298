using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLNetDeep.Tests.Support;

/// <summary>Collects what a run writes to <c>mlContext.Log</c>, the channel users watch for warnings.</summary>
internal sealed class LogCapture : IDisposable
{
    private readonly MLContext _context;
    private readonly ConcurrentQueue<LoggingEventArgs> _messages = new();

    public LogCapture(MLContext context)
    {
        _context = context;
        _context.Log += OnLog;
    }

    public IReadOnlyList<string> Warnings => _messages.Where(m => m.Kind == ChannelMessageKind.Warning).Select(m => m.RawMessage).ToList();

    public IReadOnlyList<string> All => _messages.Select(m => m.RawMessage).ToList();

    public void Dispose() => _context.Log -= OnLog;

    private void OnLog(object? sender, LoggingEventArgs e) => _messages.Enqueue(e);
}
