namespace SecurityCoach;

/// <summary>The shapes of the ids that appear in URLs and grain keys.</summary>
public static class Identifiers
{
    /// <summary>Tenant ids: 3–64 characters of [a-z0-9-]. No '/', so grain keys split unambiguously.</summary>
    public static bool IsValidTenantId(string? value) => IsToken(value, 3, 64, allowUnderscore: false);

    /// <summary>Campaign ids: 1–64 characters of [a-z0-9-_].</summary>
    public static bool IsValidCampaignId(string? value) => IsToken(value, 1, 64, allowUnderscore: true);

    /// <summary>Workflow names: the shape of campaign ids, 1–64 characters of [a-z0-9-_].</summary>
    public static bool IsValidWorkflowName(string? value) => IsToken(value, 1, 64, allowUnderscore: true);

    private static bool IsToken(string? value, int min, int max, bool allowUnderscore)
    {
        if (value is null || value.Length < min || value.Length > max)
        {
            return false;
        }

        foreach (var c in value)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' || (allowUnderscore && c == '_');
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
