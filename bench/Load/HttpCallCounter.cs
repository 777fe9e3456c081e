using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// Counts the HTTP calls this process makes, by operation, with the time each took: AWS calls by their
/// <c>X-Amz-Target</c> (<c>DynamoDB_20120810.PutItem</c>, <c>AmazonSQS.SendMessage</c>) or, for S3, method and
/// endpoint; any other call by method and endpoint. With the silo in process that is where its time goes outside
/// its own CPU. Listens to the runtime's <c>HttpHandlerDiagnosticListener</c> events, which cost a little per call:
/// on only with <c>--http-calls</c>.
/// </summary>
public sealed class HttpCallCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly ConcurrentDictionary<Guid, (long At, string Operation)> _started = new();
    private readonly ConcurrentDictionary<string, Totals> _byOperation = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(Type Type, string Name), PropertyInfo?> _properties = new();
    private readonly List<IDisposable> _subscriptions = [];
    private long _from;
    private long _until = long.MaxValue;

    public HttpCallCounter() => _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));

    /// <summary>From now on counts only calls that end in this window (Stopwatch timestamps); forgets earlier counts.</summary>
    public void Window(long from, long until)
    {
        _byOperation.Clear();
        Volatile.Write(ref _from, from);
        Volatile.Write(ref _until, until);
    }

    /// <summary>Calls per event and mean milliseconds per call of the <paramref name="top"/> busiest operations.</summary>
    public IReadOnlyList<HttpCallFigures> PerEvent(long events, int top) =>
        [.. _byOperation
            .Select(o => new HttpCallFigures(o.Key, o.Value.Count, Math.Round((double)o.Value.Count / Math.Max(1, events), 3),
                Math.Round(o.Value.Ticks * 1000.0 / Stopwatch.Frequency / Math.Max(1, o.Value.Count), 3)))
            .OrderByDescending(f => f.Calls)
            .Take(top)];

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == "HttpHandlerDiagnosticListener")
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(listener.Subscribe(this));
            }
        }
    }

    // The "System.Net.Http.Request"/"Response" pair rather than HttpRequestOut.Start/Stop: those come only with an
    // Activity, which the runtime does not create for every call (it depends on sampling and on an ambient parent).
    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        switch (value.Key)
        {
            case "System.Net.Http.Request" when Property(value.Value, "Request") is HttpRequestMessage request
                && Property(value.Value, "LoggingRequestId") is Guid id:
                _started[id] = (Stopwatch.GetTimestamp(), Operation(request));
                break;
            case "System.Net.Http.Response" when Property(value.Value, "LoggingRequestId") is Guid id && _started.TryRemove(id, out var started):
                var now = Stopwatch.GetTimestamp();
                if (now >= Volatile.Read(ref _from) && now < Volatile.Read(ref _until))
                {
                    _byOperation.GetOrAdd(started.Operation, _ => new Totals()).Add(now - started.At);
                }

                break;
        }
    }

    private object? Property(object? payload, string name) =>
        payload is null ? null : _properties.GetOrAdd((payload.GetType(), name), key => key.Type.GetProperty(key.Name))?.GetValue(payload);

    private static string Operation(HttpRequestMessage request)
    {
        var endpoint = request.RequestUri is { } uri ? $"{uri.Host}:{uri.Port}" : "?";
        return request.Headers.TryGetValues("X-Amz-Target", out var targets) && targets.FirstOrDefault() is { } target
            ? $"{target} ({endpoint})"
            : $"{request.Method} {endpoint}{(request.RequestUri?.AbsolutePath is { } path ? FirstSegment(path) : "")}";
    }

    /// <summary>The first path segment only (<c>/v1/…</c>, <c>/hooks/…</c>, an S3 bucket), so operations do not split by id.</summary>
    private static string FirstSegment(string path)
    {
        var slash = path.IndexOf('/', 1);
        return slash < 0 ? path : path[..slash] + "/…";
    }

    public void Dispose()
    {
        lock (_subscriptions)
        {
            foreach (var subscription in _subscriptions)
            {
                subscription.Dispose();
            }

            _subscriptions.Clear();
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    private sealed class Totals
    {
        private long _count;
        private long _ticks;

        public long Count => Interlocked.Read(ref _count);

        public long Ticks => Interlocked.Read(ref _ticks);

        public void Add(long ticks)
        {
            Interlocked.Increment(ref _count);
            Interlocked.Add(ref _ticks, ticks);
        }
    }
}

/// <summary>One operation's calls in the window: how many, per event, and their mean duration.</summary>
public sealed record HttpCallFigures(string Operation, long Calls, double PerEvent, double MeanMs);
