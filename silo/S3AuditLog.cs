using System.Buffers;
using System.Text.Json;
using SecurityCoach.Providers.Aws.Audit;

namespace SecurityCoach.Silo;

/// <summary>
/// The audit log of the AwsLocal and Aws profiles: NDJSON objects per tenant and hour in S3
/// (<c>audit/{tenant}/{yyyy}/{MM}/{dd}/{HH}/{instance}-{seq}.ndjson</c>) through the <see cref="S3NdjsonBatcher"/>.
/// </summary>
public sealed partial class S3AuditLog(S3NdjsonBatcher batcher, TimeProvider time, ILogger<S3AuditLog> logger) : IAuditLog
{
    // One writer per thread, reset per record: no allocation per record once warm; the batcher copies the bytes.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public bool Enabled => true;

    public void Record<TState>(string tenantId, string kind, TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        try
        {
            writer.WriteStartObject();
            writer.WriteString("kind", kind);
            writer.WriteString("tenant", tenantId);
            writer.WriteString("at", time.GetUtcNow());
            write(writer, state);
            writer.WriteEndObject();
            writer.Flush();
            batcher.Append(tenantId, buffer.WrittenSpan);
        }
        catch (Exception e)
        {
            // The audit trail must never fail the pipeline it records.
            LogRecordFailed(e, kind, tenantId);
        }
    }

    public Task<int> ExpireAsync(string tenantId, DateTimeOffset before, CancellationToken cancellationToken) =>
        batcher.DeleteOlderThanAsync(tenantId, before, cancellationToken);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit record {Kind} of tenant {TenantId} could not be written")]
    private partial void LogRecordFailed(Exception exception, string kind, string tenantId);
}
