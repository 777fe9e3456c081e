using System.Security.Cryptography;
using System.Text;

namespace SecurityCoach.Coaching;

/// <summary>
/// Coaching ids are derived from what they coach, never random: the same event matching the same campaign
/// (a replay after a crash, a client's retry) always names the same CoachingGrain, which then starts nothing new.
/// </summary>
public static class CoachingIds
{
    /// <summary>32 lower-case hex characters: the first 128 bits of SHA-256 over user, event and campaign.</summary>
    public static string For(string userKey, string eventId, string campaignId)
    {
        // Lengths are prefixed so that ("a/b","c") and ("a","b/c") cannot collide.
        var text = $"{userKey.Length}:{userKey}|{eventId.Length}:{eventId}|{campaignId}";
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
