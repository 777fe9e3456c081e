using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>Reading vendor JSON without building strings: property access, presence, UTF-8 views, ids and user keys.</summary>
internal static class VendorJson
{
    public const string ExpectedObject = "expected a JSON object";

    private const int MaxQuotedLength = 64;

    /// <summary>The named property of an object, or an undefined element when the value is no object or lacks it.</summary>
    public static JsonElement Prop(this JsonElement obj, ReadOnlySpan<byte> name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) ? value : default;

    /// <summary>
    /// The UTF-8 text of a string value that says something: not blank and not a vendor's placeholder for "no value"
    /// ("None", "NA", "N/A", "null", "unknown"), with surrounding white space trimmed.
    /// </summary>
    public static bool TryGetText(this JsonElement value, out ReadOnlySpan<byte> utf8)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            utf8 = default;
            return false;
        }

        // The raw token includes its quotes. Escaped text (rare in these feeds) is decoded the slow way.
        var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1];
        utf8 = raw.Contains((byte)'\\') ? Encoding.UTF8.GetBytes(value.GetString()!) : raw;
        utf8 = utf8.Trim(" \t\r\n"u8);
        return utf8.Length > 0 && !IsPlaceholder(utf8);
    }

    public static bool HasText(this JsonElement value) => value.TryGetText(out _);

    /// <summary>A value worth writing: text, or a number (vendors send some ids and addresses as numbers).</summary>
    public static bool IsPresent(this JsonElement value) => value.ValueKind == JsonValueKind.Number || value.HasText();

    /// <summary>Text containing '@': the vendors here put e-mail addresses and UPNs in their user fields.</summary>
    public static bool IsEmail(this JsonElement value) => value.TryGetText(out var utf8) && utf8.Contains((byte)'@');

    /// <summary>The first of two alternatives that is present, else an undefined element.</summary>
    public static JsonElement Or(this JsonElement first, JsonElement second) => first.IsPresent() ? first : second;

    /// <summary>The pipeline's user key: the value trimmed and lower-cased, as given otherwise (DOMAIN\user stays).</summary>
    public static string UserKey(JsonElement user) => user.GetString()!.Trim().ToLowerInvariant();

    /// <summary>
    /// The identity of an event that names no account: the device's host name (lower-cased like a user key), else its
    /// IP address. Only the tenant's aliases resolve such an identity; until one does, the event waits in the
    /// tenant's unmapped list. False when the event names no device either.
    /// </summary>
    public static bool TryDevice(JsonElement host, JsonElement ip, out string identity, out IdentityKind kind)
    {
        (identity, kind) = host.HasText() ? (UserKey(host), IdentityKind.Host)
            : ip.HasText() ? (ip.GetString()!.Trim(), IdentityKind.Ip)
            : ("", IdentityKind.Account);
        return identity.Length > 0;
    }

    /// <summary>
    /// The event id: the vendor's id when it has one, else "sha256:" and the hex SHA-256 of the raw event's JSON
    /// text, so that the same event posted twice gets the same id and the user grain drops the second.
    /// </summary>
    public static string EventId(JsonElement vendorId, JsonElement raw)
    {
        if (vendorId.HasText())
        {
            return vendorId.GetString()!.Trim();
        }

        if (vendorId.ValueKind == JsonValueKind.Number)
        {
            return vendorId.GetRawText();
        }

        return HashId(JsonMarshal.GetRawUtf8Value(raw));
    }

    /// <summary>"sha256:" and the hex SHA-256 of a raw event's bytes: the id of an event that has none of its own.</summary>
    public static string HashId(ReadOnlySpan<byte> raw)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(raw, hash);
        Span<char> id = stackalloc char[7 + (2 * SHA256.HashSizeInBytes)];
        "sha256:".CopyTo(id);
        Convert.TryToHexStringLower(hash, id[7..], out _);
        return new string(id);
    }

    /// <summary>
    /// Adds the items of those <paramref name="members"/> that are arrays of <paramref name="value"/>, each with its
    /// member name as envelope; false when the value is no object holding at least one of them (it is a record then).
    /// An empty array adds nothing: an empty page is zero events.
    /// </summary>
    public static bool TryAddEnvelopeItems(JsonElement value, List<VendorRecord> records, params ReadOnlySpan<string> members)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var found = false;
        foreach (var member in members)
        {
            if (value.TryGetProperty(member, out var items) && items.ValueKind == JsonValueKind.Array)
            {
                found = true;
                var position = 0;
                foreach (var item in items.EnumerateArray())
                {
                    records.Add(new VendorRecord(item, member, position++));
                }
            }
        }

        return found;
    }

    /// <summary>Text in the 8-4-4-4-12 hexadecimal form of a GUID, which Entra writes where a UPN is missing.</summary>
    public static bool IsGuid(JsonElement value) =>
        value.TryGetText(out var text) && text.Length == 36 && System.Buffers.Text.Utf8Parser.TryParse(text, out Guid _, out var consumed, 'D')
        && consumed == 36;

    /// <summary>A vendor value quoted in an error message, cut short so that a hostile body cannot bloat the reply.</summary>
    public static string Quote(JsonElement value)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        return text.Length <= MaxQuotedLength ? text : string.Concat(text.AsSpan(0, MaxQuotedLength), "…");
    }

    /// <summary>Sets the out values of a failed normalization; lets each rejection read as one line.</summary>
    public static bool Fail(string reason, [NotNullWhen(true)] out SecurityEvent? normalized,
        [NotNullWhen(false)] out string? error)
    {
        normalized = null;
        error = reason;
        return false;
    }

    private static bool IsPlaceholder(ReadOnlySpan<byte> text) => text.Length <= 7 && (
        Ascii.EqualsIgnoreCase(text, "none"u8) || Ascii.EqualsIgnoreCase(text, "na"u8)
        || Ascii.EqualsIgnoreCase(text, "n/a"u8) || Ascii.EqualsIgnoreCase(text, "null"u8)
        || Ascii.EqualsIgnoreCase(text, "unknown"u8));
}
