using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// Counts the HTTP calls this process makes, by operation, with the time each took: AWS calls by their
/// <c>X-Amz-Target</c> (<c>DynamoDB_20120810.PutItem</c>, <c>AmazonSQS.SendMessage</c>) or, for S3, method and
/// endpoint; any other call by method and endpoint. With the silo in process that is where its time goes outside
/// its own CPU. Listens to the runtime's <c>HttpHandlerDiagnosticListener</c> events, which cost a little per call:
/// on only with <c>--http-calls</c>, and always in aws-local, where <see cref="CountAws"/> also keeps a running tally
/// of the calls to the AWS endpoints (<see cref="AwsRequests"/>) for the COST line.
/// </summary>
public sealed class HttpCallCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private const long SqsChunkBytes = 64 * 1024;

    private readonly ConcurrentDictionary<Guid, (long At, string Operation, AwsKind Kind, long RequestBytes)> _started = new();
    private readonly ConcurrentDictionary<string, Totals> _byOperation = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(Type Type, string Name), PropertyInfo?> _properties = new();
    private readonly List<IDisposable> _subscriptions = [];
    private readonly AwsTally _aws = new();
    private HashSet<string> _awsEndpoints = [];
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

    /// <summary>From now on also tallies every call to these endpoints (host and port) as an AWS request.</summary>
    public void CountAws(params Uri[] endpoints) =>
        Volatile.Write(ref _awsEndpoints, new HashSet<string>(endpoints.Select(Endpoint), StringComparer.OrdinalIgnoreCase));

    /// <summary>The AWS requests tallied so far (see <see cref="CountAws"/>), whatever the window.</summary>
    public AwsRequests AwsRequests() => _aws.Take();

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
                var kind = Volatile.Read(ref _awsEndpoints).Contains(request.RequestUri is { } uri ? Endpoint(uri) : "") ? Kind(request) : AwsKind.None;
                _started[id] = (Stopwatch.GetTimestamp(), Operation(request), kind, kind == AwsKind.Sqs ? request.Content?.Headers.ContentLength ?? 0 : 0);
                break;
            case "System.Net.Http.Response" when Property(value.Value, "LoggingRequestId") is Guid id && _started.TryRemove(id, out var started):
                if (started.Kind != AwsKind.None)
                {
                    var responseBytes = started.Kind == AwsKind.Sqs && Property(value.Value, "Response") is HttpResponseMessage response
                        ? response.Content.Headers.ContentLength ?? 0
                        : 0;
                    _aws.Add(started.Kind, Math.Max(1, (Math.Max(started.RequestBytes, responseBytes) + SqsChunkBytes - 1) / SqsChunkBytes));
                }

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

    private static string Endpoint(Uri uri) => $"{uri.Host}:{uri.Port}";

    /// <summary>
    /// The service and billing class of a call to an AWS endpoint: SQS and DynamoDB by their <c>X-Amz-Target</c>; any
    /// other call there is S3 (fauxqs serves S3 on the SQS port), priced by method — PUT, POST, COPY and LIST in one
    /// class, GET, HEAD and the rest in the other, DELETE free.
    /// </summary>
    private static AwsKind Kind(HttpRequestMessage request)
    {
        if (request.Headers.TryGetValues("X-Amz-Target", out var targets) && targets.FirstOrDefault() is { } target)
        {
            return target.StartsWith("AmazonSQS", StringComparison.Ordinal) ? AwsKind.Sqs
                : target.StartsWith("DynamoDB", StringComparison.Ordinal) ? AwsKind.DynamoDB
                : AwsKind.Other;
        }

        var path = (request.RequestUri?.AbsolutePath ?? "/").TrimEnd('/');
        var bucketOnly = path.Length <= 1 || path.IndexOf('/', 1) < 0;
        var query = request.RequestUri?.Query ?? "";
        return request.Method.Method switch
        {
            "DELETE" => AwsKind.S3Free,
            "PUT" or "POST" => AwsKind.S3Write,
            "GET" when bucketOnly || query.Contains("list-type", StringComparison.Ordinal) => AwsKind.S3Write,
            _ => AwsKind.S3Read,
        };
    }

    private static string Operation(HttpRequestMessage request)
    {
        var endpoint = request.RequestUri is { } uri ? Endpoint(uri) : "?";
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

    private enum AwsKind
    {
        None,
        Sqs,
        DynamoDB,
        S3Write,
        S3Read,
        S3Free,
        Other,
    }

    private sealed class AwsTally
    {
        private readonly long[] _calls = new long[Enum.GetValues<AwsKind>().Length];
        private long _sqsBilled;

        public void Add(AwsKind kind, long sqsChunks)
        {
            Interlocked.Increment(ref _calls[(int)kind]);
            if (kind == AwsKind.Sqs)
            {
                Interlocked.Add(ref _sqsBilled, sqsChunks);
            }
        }

        public AwsRequests Take() => new(
            Read(AwsKind.Sqs), Interlocked.Read(ref _sqsBilled), Read(AwsKind.DynamoDB),
            Read(AwsKind.S3Write), Read(AwsKind.S3Read), Read(AwsKind.S3Free), Read(AwsKind.Other));

        private long Read(AwsKind kind) => Interlocked.Read(ref _calls[(int)kind]);
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

/// <summary>
/// AWS requests by service: SQS calls and what SQS bills for them (one request per started 64 KB of payload,
/// <see cref="SqsBilled"/>), DynamoDB calls, S3 calls by price class (PUT/POST/COPY/LIST, GET and the rest, DELETE),
/// and calls to those endpoints of no known service.
/// </summary>
public sealed record AwsRequests(long Sqs, long SqsBilled, long DynamoDB, long S3Write, long S3Read, long S3Free, long Other)
{
    public long Total => Sqs + DynamoDB + S3Write + S3Read + S3Free + Other;

    public static AwsRequests operator -(AwsRequests end, AwsRequests start) => new(
        end.Sqs - start.Sqs, end.SqsBilled - start.SqsBilled, end.DynamoDB - start.DynamoDB,
        end.S3Write - start.S3Write, end.S3Read - start.S3Read, end.S3Free - start.S3Free, end.Other - start.Other);
}
