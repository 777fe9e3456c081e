using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// Writes the normalized OCSF JSON with one <see cref="Utf8JsonWriter"/> per thread into a reused buffer; the only
/// allocation per event is the final copy. Sections are written only when they hold something, because an absent
/// field is omitted rather than written as null or empty.
/// </summary>
internal static class OcsfOutput
{
    // A buffer that grew for one huge event is dropped rather than kept alive on its thread.
    private const int RetainedBufferBytes = 256 * 1024;

    // The output is JSON for machines, never embedded in HTML; the default encoder's escaping of quotes and
    // non-ASCII (\u0022, \u2013) would roughly double raw_data for nothing.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    /// <summary>Starts an event of the given class: the classification fields and <c>type_uid</c>.</summary>
    public static Utf8JsonWriter Begin(int categoryUid, int classUid, int activityId)
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = _writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);

        writer.WriteStartObject();
        writer.WriteNumber("class_uid"u8, classUid);
        writer.WriteNumber("category_uid"u8, categoryUid);
        writer.WriteNumber("activity_id"u8, activityId);
        writer.WriteNumber("type_uid"u8, (classUid * 100L) + activityId);
        return writer;
    }

    /// <summary>Ends the event with the raw text, the tenant and the user key, and returns its UTF-8 bytes.</summary>
    public static byte[] End(Utf8JsonWriter writer, JsonElement raw, string tenantId, string userKey) =>
        End(writer, JsonMarshal.GetRawUtf8Value(raw), tenantId, userKey);

    /// <summary>Ends the event with the raw text (a JSON value's text or a log line), the tenant and the user key.</summary>
    public static byte[] End(Utf8JsonWriter writer, ReadOnlySpan<byte> rawText, string tenantId, string userKey)
    {
        // The tenant comes from the credential; an event must never leave here without one.
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        writer.WriteString("raw_data"u8, rawText);
        writer.WriteString("tenant_id"u8, tenantId);
        writer.WriteString("user_key"u8, userKey);
        writer.WriteEndObject();
        writer.Flush();

        var buffer = _buffer!;
        var json = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > RetainedBufferBytes)
        {
            _buffer = null;
            _writer = null;
        }

        return json;
    }

    /// <summary>Writes a raw UTF-8 field (a CSV or syslog value) under <paramref name="name"/> when it is not empty.</summary>
    public static void WriteText(this Utf8JsonWriter writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (!value.IsEmpty)
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>Writes a text or number value under <paramref name="name"/> when it is present; numbers become strings.</summary>
    public static void WriteText(this Utf8JsonWriter writer, ReadOnlySpan<byte> name, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            writer.WriteString(name, JsonMarshal.GetRawUtf8Value(value));
        }
        else if (value.HasText())
        {
            writer.WritePropertyName(name);
            value.WriteTo(writer);
        }
    }

    public static void WriteSeverity(this Utf8JsonWriter writer, OcsfSeverity severity)
    {
        writer.WriteNumber("severity_id"u8, (int)severity);
        writer.WriteString("severity"u8, OcsfSchema.Caption(severity));
    }

    /// <summary>
    /// <c>metadata</c>: schema version, event uid, the vendor's time text when the time came as text, product and
    /// the vendor's event type.
    /// </summary>
    public static void WriteMetadata(this Utf8JsonWriter writer, string uid, JsonElement originalTime,
        ReadOnlySpan<byte> productName, ReadOnlySpan<byte> vendorName, JsonElement eventCode) =>
        writer.WriteMetadata(uid, originalTime, productName, vendorName, eventCode.TryGetText(out var code) ? code : []);

    /// <summary><c>metadata</c> with an event type the normalizer knows as text (an envelope member, a log type).</summary>
    public static void WriteMetadata(this Utf8JsonWriter writer, string uid, JsonElement originalTime,
        ReadOnlySpan<byte> productName, ReadOnlySpan<byte> vendorName, ReadOnlySpan<byte> eventCode) =>
        writer.WriteMetadata(uid, originalTime.ValueKind == JsonValueKind.String && originalTime.TryGetText(out var text) ? text : [],
            productName, vendorName, eventCode);

    /// <summary><c>metadata</c> from text: a log line's time field and type.</summary>
    public static void WriteMetadata(this Utf8JsonWriter writer, string uid, ReadOnlySpan<byte> originalTime,
        ReadOnlySpan<byte> productName, ReadOnlySpan<byte> vendorName, ReadOnlySpan<byte> eventCode)
    {
        writer.WriteStartObject("metadata"u8);
        writer.WriteString("version"u8, OcsfSchema.SchemaVersion);
        writer.WriteString("uid"u8, uid);
        if (!originalTime.IsEmpty)
        {
            writer.WriteString("original_time"u8, originalTime);
        }

        writer.WriteStartObject("product"u8);
        writer.WriteString("name"u8, productName);
        writer.WriteString("vendor_name"u8, vendorName);
        writer.WriteEndObject();
        if (!eventCode.IsEmpty)
        {
            writer.WriteString("event_code"u8, eventCode);
        }

        writer.WriteEndObject();
    }

    public static void WriteActor(this Utf8JsonWriter writer, JsonElement email, JsonElement name, JsonElement uid,
        JsonElement domain)
    {
        if (!email.IsPresent() && !name.IsPresent() && !uid.IsPresent())
        {
            return;
        }

        writer.WriteStartObject("actor"u8);
        writer.WriteUser("user"u8, email, name, uid, domain);
        writer.WriteEndObject();
    }

    /// <summary>A user object (<c>user</c> of Authentication, <c>actor.user</c>): e-mail, name, uid and domain.</summary>
    public static void WriteUser(this Utf8JsonWriter writer, ReadOnlySpan<byte> property, JsonElement email, JsonElement name,
        JsonElement uid, JsonElement domain)
    {
        writer.WriteStartObject(property);
        writer.WriteText("email_addr"u8, email);
        writer.WriteText("name"u8, name);
        writer.WriteText("uid"u8, uid);
        writer.WriteText("domain"u8, domain);
        writer.WriteEndObject();
    }

    /// <summary><c>status_id</c>/<c>status</c>, the vendor's code and its words for the outcome.</summary>
    public static void WriteStatus(this Utf8JsonWriter writer, OcsfStatus status, JsonElement code, JsonElement detail)
    {
        writer.WriteNumber("status_id"u8, (int)status);
        writer.WriteString("status"u8, OcsfSchema.Caption(status));
        writer.WriteText("status_code"u8, code);
        writer.WriteText("status_detail"u8, detail);
    }

    /// <summary>
    /// <c>src_endpoint</c> of a sign-in: IP and, when known, <c>location</c> (city, region, country, coordinates).
    /// </summary>
    public static void WriteSourceWithLocation(this Utf8JsonWriter writer, JsonElement ip, JsonElement city,
        JsonElement region, JsonElement country, JsonElement latitude, JsonElement longitude)
    {
        var hasLocation = city.IsPresent() || region.IsPresent() || country.IsPresent()
            || latitude.ValueKind == JsonValueKind.Number;
        if (!ip.IsPresent() && !hasLocation)
        {
            return;
        }

        writer.WriteStartObject("src_endpoint"u8);
        writer.WriteText("ip"u8, ip);
        if (hasLocation)
        {
            writer.WriteStartObject("location"u8);
            writer.WriteText("city"u8, city);
            writer.WriteText("region"u8, region);
            writer.WriteText("country"u8, country);
            if (latitude.ValueKind == JsonValueKind.Number && longitude.ValueKind == JsonValueKind.Number)
            {
                writer.WritePropertyName("lat"u8);
                latitude.WriteTo(writer);
                writer.WritePropertyName("long"u8);
                longitude.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>An endpoint object (<c>device</c>, <c>src_endpoint</c>, <c>dst_endpoint</c>) with hostname and IP.</summary>
    public static void WriteEndpoint(this Utf8JsonWriter writer, ReadOnlySpan<byte> name, JsonElement hostname, JsonElement ip)
    {
        if (!hostname.IsPresent() && !ip.IsPresent())
        {
            return;
        }

        writer.WriteStartObject(name);
        writer.WriteText("hostname"u8, hostname);
        writer.WriteText("ip"u8, ip);
        writer.WriteEndObject();
    }

    /// <summary><c>file</c> with name, path and the SHA-256 and MD5 hashes (all-zero hashes are vendors' "none").</summary>
    public static void WriteFile(this Utf8JsonWriter writer, JsonElement name, JsonElement path, JsonElement sha256,
        JsonElement md5)
    {
        var hasSha256 = IsHash(sha256);
        var hasMd5 = IsHash(md5);
        if (!name.IsPresent() && !path.IsPresent() && !hasSha256 && !hasMd5)
        {
            return;
        }

        writer.WriteStartObject("file"u8);
        writer.WriteText("name"u8, name);
        writer.WriteText("path"u8, path);
        if (hasSha256 || hasMd5)
        {
            writer.WriteStartArray("hashes"u8);
            if (hasSha256)
            {
                WriteHash(writer, 3, "SHA-256"u8, sha256);
            }

            if (hasMd5)
            {
                WriteHash(writer, 1, "MD5"u8, md5);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>disposition</c>/<c>disposition_id</c> and, where the outcome says whether the activity went ahead,
    /// <c>action</c>/<c>action_id</c> (1 Allowed, 2 Denied). For <see cref="OcsfDisposition.Other"/> the
    /// caption is the vendor's own word, as OCSF asks.
    /// </summary>
    public static void WriteDisposition(this Utf8JsonWriter writer, OcsfDisposition disposition, JsonElement vendorText)
    {
        if (disposition == OcsfDisposition.Other && vendorText.HasText())
        {
            writer.WriteText("disposition"u8, vendorText);
        }
        else
        {
            writer.WriteString("disposition"u8, OcsfSchema.Caption(disposition));
        }

        writer.WriteNumber("disposition_id"u8, (int)disposition);
        switch (disposition)
        {
            case OcsfDisposition.Allowed:
                writer.WriteString("action"u8, "Allowed"u8);
                writer.WriteNumber("action_id"u8, 1);
                break;
            case OcsfDisposition.Blocked or OcsfDisposition.Quarantined:
                writer.WriteString("action"u8, "Denied"u8);
                writer.WriteNumber("action_id"u8, 2);
                break;
        }
    }

    /// <summary><c>http_request</c> with method and user agent, when either is present.</summary>
    public static void WriteHttpRequest(this Utf8JsonWriter writer, JsonElement method, JsonElement userAgent)
    {
        if (!method.HasText() && !userAgent.HasText())
        {
            return;
        }

        writer.WriteStartObject("http_request"u8);
        writer.WriteText("http_method"u8, method);
        writer.WriteText("user_agent"u8, userAgent);
        writer.WriteEndObject();
    }

    /// <summary><c>finding_info</c>: title, uid (the event id), description and up to two type names.</summary>
    public static void WriteFindingInfo(this Utf8JsonWriter writer, JsonElement title, string uid, JsonElement description,
        JsonElement type, JsonElement subType)
    {
        writer.WriteStartObject("finding_info"u8);
        writer.WriteText("title"u8, title);
        writer.WriteString("uid"u8, uid);
        writer.WriteText("desc"u8, description);
        writer.WriteTextArray("types"u8, [type, subType]);
        writer.WriteEndObject();
    }

    /// <summary><c>url</c> from a URL value: the text, its host name (from the vendor or the URL) and categories.</summary>
    public static void WriteUrl(this Utf8JsonWriter writer, JsonElement url, JsonElement hostname,
        ReadOnlySpan<JsonElement> categories) =>
        writer.WriteUrlObject(url.TryGetText(out var text) ? text : [], hostname, categories);

    /// <summary>
    /// <c>url</c> from URL bytes that came base64-encoded (Zscaler's <c>b64url</c>); a value that is not base64 of
    /// UTF-8 text is left out.
    /// </summary>
    public static void WriteBase64Url(this Utf8JsonWriter writer, JsonElement base64, JsonElement hostname,
        ReadOnlySpan<JsonElement> categories)
    {
        if (!base64.TryGetText(out var encoded))
        {
            writer.WriteUrlObject([], hostname, categories);
            return;
        }

        var maxLength = Base64.GetMaxDecodedFromUtf8Length(encoded.Length);
        var rented = maxLength > 1024 ? ArrayPool<byte>.Shared.Rent(maxLength) : null;
        var decoded = rented ?? stackalloc byte[1024];
        try
        {
            var valid = Base64.DecodeFromUtf8(encoded, decoded, out _, out var written) == OperationStatus.Done
                && Utf8.IsValid(decoded[..written]);
            writer.WriteUrlObject(valid ? decoded[..written] : [], hostname, categories);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// <c>unmapped</c>: the vendor object's top-level properties except <paramref name="mapped"/>, copied as they are;
    /// then those of an <paramref name="envelope"/> around it (Azure's record around <c>properties</c>) except
    /// <paramref name="envelopeMapped"/> and names the object has too. A property is listed as mapped only when the
    /// output always carries its value; fallbacks that carry a different fact stay here too. <c>raw_data</c> keeps
    /// everything regardless.
    /// </summary>
    public static void WriteUnmapped(this Utf8JsonWriter writer, JsonElement vendorObject, Utf8NameSet mapped,
        JsonElement envelope = default, Utf8NameSet? envelopeMapped = null)
    {
        var started = false;
        foreach (var property in vendorObject.EnumerateObject())
        {
            if (!mapped.Contains(RawName(property)))
            {
                StartUnmapped(writer, ref started);
                property.WriteTo(writer);
            }
        }

        if (envelope.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in envelope.EnumerateObject())
            {
                if (envelopeMapped?.Contains(RawName(property)) != true && !vendorObject.TryGetProperty(RawName(property), out _))
                {
                    StartUnmapped(writer, ref started);
                    property.WriteTo(writer);
                }
            }
        }

        if (started)
        {
            writer.WriteEndObject();
        }
    }

    private static void StartUnmapped(Utf8JsonWriter writer, ref bool started)
    {
        if (!started)
        {
            writer.WriteStartObject("unmapped"u8);
            started = true;
        }
    }

    /// <summary>Writes the present values as a string array, each once; nothing when none is present.</summary>
    public static void WriteTextArray(this Utf8JsonWriter writer, ReadOnlySpan<byte> name, ReadOnlySpan<JsonElement> values)
    {
        if (!AnyText(values))
        {
            return;
        }

        writer.WriteStartArray(name);
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i].TryGetText(out var text) && !SeenBefore(values[..i], text))
            {
                values[i].WriteTo(writer);
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteUrlObject(this Utf8JsonWriter writer, ReadOnlySpan<byte> url, JsonElement hostname,
        ReadOnlySpan<JsonElement> categories)
    {
        var host = UrlHost(url);
        if (url.IsEmpty && host.IsEmpty && !hostname.IsPresent() && !AnyText(categories))
        {
            return;
        }

        writer.WriteStartObject("url"u8);
        if (!url.IsEmpty)
        {
            writer.WriteString("url_string"u8, url);
        }

        if (hostname.IsPresent())
        {
            writer.WriteText("hostname"u8, hostname);
        }
        else if (!host.IsEmpty)
        {
            writer.WriteString("hostname"u8, host);
        }

        writer.WriteTextArray("categories"u8, categories);
        writer.WriteEndObject();
    }

    /// <summary>The host of a URL with or without a scheme ("https://a.example/x" and "a.example/x" give "a.example").</summary>
    private static ReadOnlySpan<byte> UrlHost(ReadOnlySpan<byte> url)
    {
        var scheme = url.IndexOf("://"u8);
        var rest = scheme < 0 ? url : url[(scheme + 3)..];
        var at = rest.IndexOfAny((byte)'/', (byte)'@');
        if (at >= 0 && rest[at] == '@')
        {
            rest = rest[(at + 1)..];
        }

        var end = rest.IndexOfAny("/?#:"u8);
        return end < 0 ? rest : rest[..end];
    }

    private static bool IsHash(JsonElement value) =>
        value.TryGetText(out var hex) && hex.IndexOfAnyExcept((byte)'0') >= 0;

    private static void WriteHash(Utf8JsonWriter writer, int algorithmId, ReadOnlySpan<byte> algorithm, JsonElement value)
    {
        writer.WriteStartObject();
        writer.WriteNumber("algorithm_id"u8, algorithmId);
        writer.WriteString("algorithm"u8, algorithm);
        writer.WriteText("value"u8, value);
        writer.WriteEndObject();
    }

    private static bool AnyText(ReadOnlySpan<JsonElement> values)
    {
        foreach (var value in values)
        {
            if (value.HasText())
            {
                return true;
            }
        }

        return false;
    }

    private static bool SeenBefore(ReadOnlySpan<JsonElement> earlier, ReadOnlySpan<byte> text)
    {
        foreach (var value in earlier)
        {
            if (value.TryGetText(out var other) && other.SequenceEqual(text))
            {
                return true;
            }
        }

        return false;
    }

    private static ReadOnlySpan<byte> RawName(JsonProperty property)
    {
        // Escaped names (rare) are decoded the slow way so that they compare like the names the mapping reads.
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        return raw.Contains((byte)'\\') ? Encoding.UTF8.GetBytes(property.Name) : raw;
    }
}
