using System.Security.Cryptography;
using System.Text;
using SecurityCoach.Secrets;

namespace SecurityCoach.Tenants;

/// <summary>A tenant's audit log as stored: entries oldest first, and the last sequence number handed out.</summary>
[GenerateSerializer]
public sealed class TenantAuditState
{
    [Id(0)] public List<AdminAuditEntry> Entries { get; set; } = [];

    [Id(1)] public long LastSequence { get; set; }

    /// <summary>
    /// The key of the pseudonyms erased users are named by (<see cref="ITenantAuditGrain.RecordErasure"/>), made at the
    /// first erasure: 32 random bytes in base64, sealed as channel secrets are (<see cref="ISecretProtector"/>).
    /// </summary>
    [Id(2)] public string? PseudonymKey { get; set; }
}

/// <summary>
/// The log of administrative actions on one tenant (<see cref="ITenantAuditGrain"/>). Each entry is written before the
/// call returns, and mirrored to the pipeline's audit trail (<see cref="IAuditLog"/>, <see cref="AuditKinds.Admin"/>), which keeps
/// what this bounded list drops.
/// </summary>
public sealed class TenantAuditGrain(
    [PersistentState("audit")] IPersistentState<TenantAuditState> state,
    IAuditLog trail,
    ISecretProtector secrets) : Grain, ITenantAuditGrain
{
    public async Task Record(AdminAuditEntry entry)
    {
        var s = state.State;
        var stored = entry with { Sequence = s.LastSequence + 1 };
        s.Entries.Add(stored);
        s.LastSequence = stored.Sequence;
        if (s.Entries.Count > ITenantAuditGrain.Capacity)
        {
            s.Entries.RemoveRange(0, s.Entries.Count - ITenantAuditGrain.Capacity);
        }

        await state.WriteStateAsync();
        if (trail.Enabled)
        {
            trail.Record(this.GetPrimaryKeyString(), AuditKinds.Admin, stored, static (writer, e) =>
            {
                writer.WriteNumber("sequence", e.Sequence);
                writer.WriteString("key_id", e.KeyId);
                writer.WriteString("action", e.Action);
                if (e.Target is not null)
                {
                    writer.WriteString("target", e.Target);
                }

                if (e.RequestId is not null)
                {
                    writer.WriteString("request_id", e.RequestId);
                }
            });
        }
    }

    public async Task<string> RecordErasure(AdminAuditEntry entry, string userKey)
    {
        var s = state.State;
        // Keyed, not a bare hash: anyone could hash a list of the tenant's e-mail addresses and find whose erasure it was.
        var pseudonym = "hmac-sha256:" + Convert.ToHexStringLower(
            HMACSHA256.HashData(await PseudonymKey(), Encoding.UTF8.GetBytes(userKey)).AsSpan(0, 16));
        for (var i = 0; i < s.Entries.Count; i++)
        {
            if (string.Equals(s.Entries[i].Target, userKey, StringComparison.OrdinalIgnoreCase))
            {
                s.Entries[i] = s.Entries[i] with { Target = pseudonym };
            }
        }

        // Record writes the state, the pseudonym key and the redactions with it.
        await Record(entry with { Target = pseudonym });
        return pseudonym;
    }

    /// <summary>The pseudonym key, opened; made and sealed into the state (written with the next entry) the first time.</summary>
    private async Task<byte[]> PseudonymKey()
    {
        var tenantId = this.GetPrimaryKeyString();
        if (state.State.PseudonymKey is { } sealedKey)
        {
            return Convert.FromBase64String(await secrets.UnprotectAsync(tenantId, sealedKey));
        }

        var key = RandomNumberGenerator.GetBytes(32);
        state.State.PseudonymKey = await secrets.ProtectAsync(tenantId, Convert.ToBase64String(key));
        return key;
    }

    public ValueTask<AdminAuditPage> List(long? before, int limit)
    {
        var entries = state.State.Entries;
        var page = new List<AdminAuditEntry>(Math.Min(limit, entries.Count));
        for (var i = entries.Count - 1; i >= 0 && page.Count < limit; i--)
        {
            if (before is null || entries[i].Sequence < before)
            {
                page.Add(entries[i]);
            }
        }

        var next = page.Count == limit && page[^1].Sequence > (entries.Count > 0 ? entries[0].Sequence : 0) ? page[^1].Sequence : (long?)null;
        return ValueTask.FromResult(new AdminAuditPage([.. page], next));
    }
}
