using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SecurityCoach.Notifications;

/// <summary>What a receiver's check of a webhook signature found.</summary>
public enum WebhookSignatureCheck
{
    Valid,
    Missing,
    Malformed,

    /// <summary>Signed longer ago than the tolerance: a replay of a captured delivery, or a clock far off.</summary>
    TooOld,

    Mismatch,
}

/// <summary>
/// The signature of a webhook delivery, as Stripe and Slack sign theirs: <c>SecurityCoach-Signature: t={unix seconds},v1={hex}</c>
/// where the hex is the HMAC-SHA256, keyed with the channel secret, of <c>{t}.{body}</c>. Signing the time with the body
/// lets a receiver refuse a captured delivery replayed later (<see cref="Verify"/>: older than
/// <see cref="DefaultTolerance"/>). Each attempt is signed anew. The body-only header of the previous release
/// (<see cref="LegacyHeader"/>, <c>sha256={hex of HMAC(body)}</c>) is still sent for one release.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "SecurityCoach-Signature";

    /// <summary>Deprecated: replayable (no time in it). Sent beside <see cref="Header"/> for one release.</summary>
    public const string LegacyHeader = "X-SecurityCoach-Signature";

    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    public static string Sign(ReadOnlySpan<byte> body, string secret, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Convert.ToHexStringLower(Mac(t, body, secret))}";
    }

    /// <summary>"sha256=" and the hex HMAC-SHA256 of the body alone (<see cref="LegacyHeader"/>).</summary>
    public static string SignLegacy(ReadOnlySpan<byte> body, string secret)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, mac);
        return "sha256=" + Convert.ToHexStringLower(mac);
    }

    /// <summary>The receiver's check: a well-formed header, a time within <paramref name="tolerance"/> of now, and a matching MAC.</summary>
    public static WebhookSignatureCheck Verify(string? header, ReadOnlySpan<byte> body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(header))
        {
            return WebhookSignatureCheck.Missing;
        }

        string? t = null;
        var signatures = new List<byte[]>(1);
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
            {
                t = part[2..];
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                try
                {
                    signatures.Add(Convert.FromHexString(part.AsSpan(3)));
                }
                catch (FormatException)
                {
                    return WebhookSignatureCheck.Malformed;
                }
            }
        }

        if (t is null || signatures.Count == 0 || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return WebhookSignatureCheck.Malformed;
        }

        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            return WebhookSignatureCheck.TooOld;
        }

        var expected = Mac(t, body, secret);
        foreach (var signature in signatures)
        {
            if (CryptographicOperations.FixedTimeEquals(signature, expected))
            {
                return WebhookSignatureCheck.Valid;
            }
        }

        return WebhookSignatureCheck.Mismatch;
    }

    private static byte[] Mac(string t, ReadOnlySpan<byte> body, string secret)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.ASCII.GetBytes(t));
        hmac.AppendData("."u8);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
