using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace MLNetDeep.Tests.Support;

/// <summary>
/// An HTTP server on 127.0.0.1 (a free port) that serves the files below one folder by relative path, optionally altered,
/// standing in for the download host on a machine without internet. Unknown names get 404.
/// </summary>
internal sealed class LoopbackFileServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly string _directory;
    private readonly Func<string, byte[], byte[]> _alter;
    private readonly Task _serving;

    public LoopbackFileServer(string directory, Func<string, byte[], byte[]>? alter = null)
    {
        _directory = directory;
        _alter = alter ?? ((_, bytes) => bytes);
        (_listener, BaseUrl) = StartOnFreePort();
        _serving = Task.Run(ServeAsync);
    }

    public Uri BaseUrl { get; }

    /// <summary>The relative paths asked for, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }

    private static (HttpListener, Uri) StartOnFreePort()
    {
        // The port is free when probed but could be taken before the listener binds it, so retry a few times.
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var url = new Uri($"http://127.0.0.1:{port}/");
            var listener = new HttpListener();
            listener.Prefixes.Add(url.AbsoluteUri);
            try
            {
                listener.Start();
                return (listener, url);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var response = context.Response;
            var name = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath.TrimStart('/'));
            Requests.Enqueue(name);
            var path = Path.Combine(_directory, name);
            if (name.Contains("..") || !File.Exists(path))
            {
                response.StatusCode = 404;
                continue;
            }
            var body = _alter(name, await File.ReadAllBytesAsync(path));
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body);
        }
    }
}
