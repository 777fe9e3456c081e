using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SecurityCoach;

/// <summary>
/// A tenant's <see cref="UserMapping"/> compiled for lookups. An event's identity resolves to its user (an e-mail
/// address, lower case) in this order:
/// 1. an identity containing '@' (an e-mail address or UPN) is the user itself;
/// 2. the alias table, ignoring case (<c>CORP\jdoe</c>, <c>jdoe</c>, a SID, a host name, an IP address);
/// 3. the domain rule, for account names only: <c>jdoe</c> or <c>CORP\jdoe</c> becomes <c>jdoe@{domain}</c>. SIDs,
///    machine accounts (<c>LAPTOP-17$</c>), names with characters no mailbox has, hosts and IPs are never completed;
/// 4. otherwise the identity is unmapped.
/// The ingest API and the unmapped-events grain resolve with this same code, so an event resolves the same way
/// whether it arrives now or is replayed later.
/// </summary>
public sealed class UserDirectory
{
    private readonly FrozenDictionary<string, string> _aliases;
    private readonly string? _domainSuffix;

    /// <summary>Compiles a mapping; its aliases are expected to have passed <see cref="UserMappingRules"/>.</summary>
    public UserDirectory(UserMapping mapping)
    {
        Version = mapping.Version;
        _aliases = mapping.Aliases.ToFrozenDictionary(a => a.Identity.Trim(), a => a.User, StringComparer.OrdinalIgnoreCase);
        _domainSuffix = mapping.Domain is { Length: > 0 } domain ? "@" + domain : null;
    }

    /// <summary>The empty mapping, at a version no stored mapping has, so the first version check fetches the real one.</summary>
    public static UserDirectory None { get; } = new(UserMapping.Empty with { Version = -1 });

    /// <summary>The version of the mapping this was compiled from.</summary>
    public long Version { get; }

    /// <summary>True for an identity that is used as it is, without consulting a mapping.</summary>
    public static bool IsAddress(string identity) => identity.Contains('@', StringComparison.Ordinal);

    /// <summary>The user an identity belongs to, or null when it is unmapped.</summary>
    public string? Resolve(string identity, IdentityKind kind)
    {
        if (IsAddress(identity))
        {
            return identity;
        }

        if (_aliases.TryGetValue(identity.Trim(), out var user))
        {
            return user;
        }

        return _domainSuffix is not null && kind == IdentityKind.Account && UserMappingRules.MailboxName(identity) is { } name
            ? string.Concat(name.ToLowerInvariant(), _domainSuffix)
            : null;
    }
}

/// <summary>
/// Each tenant's compiled mapping, shared by everything on one silo that resolves identities (ingest, the unmapped
/// list). Each lookup asks the tenant's <see cref="IUserMappingGrain"/> whether the version moved (a read-only call
/// answered without data when it did not), so a change applies to the next request on every silo.
/// </summary>
public sealed class UserDirectoryCache(IGrainFactory grains)
{
    private readonly ConcurrentDictionary<string, UserDirectory> _byTenant = new(StringComparer.Ordinal);

    /// <summary>The tenant's mapping as it stands now.</summary>
    public async ValueTask<UserDirectory> GetAsync(string tenantId)
    {
        var cached = _byTenant.GetValueOrDefault(tenantId, UserDirectory.None);
        var fresh = await grains.Reference<IUserMappingGrain>(tenantId).GetIfChanged(cached.Version);
        if (fresh is null)
        {
            return cached;
        }

        var compiled = new UserDirectory(fresh);
        // Two requests may race to refresh; keep whichever is newer.
        return _byTenant.AddOrUpdate(tenantId, compiled, (_, existing) => existing.Version >= compiled.Version ? existing : compiled);
    }
}

/// <summary>What a mapping may hold; the API and the grain check the same rules.</summary>
public static class UserMappingRules
{
    /// <summary>The most aliases one tenant may have.</summary>
    public const int MaxAliases = 100_000;

    /// <summary>The longest identity (SIDs and <c>DOMAIN\user</c> stay far below it).</summary>
    public const int MaxIdentityLength = 256;

    private const int MaxAddressLength = 254;
    private const int MaxDomainLength = 253;

    /// <summary>
    /// Checks the aliases: each identity present, not an address (those need no alias) and not too long, each user an
    /// e-mail address, no identity twice (ignoring case). <paramref name="field"/> names a row's column for the
    /// error (<c>aliases[3].user</c>, <c>line 4.user</c>).
    /// </summary>
    public static void ValidateAliases(IReadOnlyList<UserAlias> aliases, Func<int, string, string> field, List<FieldError> errors)
    {
        if (aliases.Count > MaxAliases)
        {
            errors.Add(new FieldError("aliases", $"holds {aliases.Count} rows; at most {MaxAliases} are allowed"));
            return;
        }

        var firstRow = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < aliases.Count; i++)
        {
            var identity = aliases[i].Identity?.Trim() ?? "";
            var user = aliases[i].User?.Trim() ?? "";
            if (identity.Length == 0)
            {
                errors.Add(new FieldError(field(i, "identity"), "is required"));
            }
            else if (identity.Length > MaxIdentityLength)
            {
                errors.Add(new FieldError(field(i, "identity"), $"is longer than {MaxIdentityLength} characters"));
            }
            else if (UserDirectory.IsAddress(identity))
            {
                errors.Add(new FieldError(field(i, "identity"), $"'{identity}' is an e-mail address or UPN, which is used as it is; only other identities need an alias"));
            }
            else if (firstRow.TryGetValue(identity, out var first))
            {
                errors.Add(new FieldError(field(i, "identity"), $"'{identity}' is already mapped by {field(first, "identity")} (identities ignore case)"));
            }
            else
            {
                firstRow[identity] = i;
            }

            if (user.Length == 0)
            {
                errors.Add(new FieldError(field(i, "user"), "is required"));
            }
            else if (!IsEmailAddress(user))
            {
                errors.Add(new FieldError(field(i, "user"), $"'{Shorten(user)}' is not an e-mail address"));
            }
        }
    }

    /// <summary>Checks the domain rule's domain: a DNS name of at least two labels, without '@'.</summary>
    public static void ValidateDomain(string? domain, List<FieldError> errors)
    {
        if (domain is not null && !IsDomainName(domain))
        {
            errors.Add(new FieldError("domain", $"'{Shorten(domain)}' is not a domain name such as example.com"));
        }
    }

    /// <summary>An alias as stored: identity trimmed (its case kept for display), user trimmed and lower-cased like every user key.</summary>
    public static UserAlias Normalize(UserAlias alias) => new(alias.Identity.Trim(), alias.User.Trim().ToLowerInvariant());

    /// <summary>
    /// The part of an account name that the domain rule turns into a mailbox: the name after <c>DOMAIN\</c>, when it
    /// looks like a mailbox name (letters, digits, <c>. _ - ' +</c>, no leading, trailing or double dot); null for
    /// SIDs, machine accounts and anything else.
    /// </summary>
    public static string? MailboxName(string identity)
    {
        var name = identity.AsSpan().Trim();
        if (name.StartsWith("s-1-", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        name = name[(name.LastIndexOf('\\') + 1)..];
        if (name.IsEmpty || name[0] == '.' || name[^1] == '.' || name.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var c in name)
        {
            if (!char.IsLetterOrDigit(c) && c is not ('.' or '_' or '-' or '\'' or '+'))
            {
                return null;
            }
        }

        return name.ToString();
    }

    /// <summary><c>local@domain</c>: one '@', a local part without spaces or address punctuation, a domain name.</summary>
    public static bool IsEmailAddress(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (text.Length > MaxAddressLength || at <= 0 || at > 64 || text.IndexOf('@', at + 1) >= 0)
        {
            return false;
        }

        foreach (var c in text.AsSpan(0, at))
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '(' or ')' or '[' or ']' or '\\' or ',' or ';' or ':' or '"')
            {
                return false;
            }
        }

        return IsDomainName(text[(at + 1)..]);
    }

    private static bool IsDomainName(string text)
    {
        if (text.Length is 0 or > MaxDomainLength)
        {
            return false;
        }

        var labels = 0;
        foreach (var label in text.Split('.'))
        {
            labels++;
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }
        }

        return labels >= 2;
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}

/// <summary>Giving an event the user its identity resolved to.</summary>
public static class SecurityEventUsers
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = SecurityEvent.MaxJsonDepth };

    /// <summary>
    /// The event as its resolved user's: <see cref="SecurityEvent.UserKey"/> and the JSON's top-level <c>user_key</c>
    /// become <paramref name="userKey"/>, everything else (the identity in <c>actor.user</c> or <c>device</c>) stays.
    /// </summary>
    public static SecurityEvent AssignUser(this SecurityEvent evt, string userKey)
    {
        if (string.Equals(evt.UserKey, userKey, StringComparison.Ordinal))
        {
            return evt;
        }

        var (start, end) = UserKeyValue(evt.Json);
        var encoded = JsonEncodedText.Encode(userKey, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes;
        var json = new byte[start + encoded.Length + 2 + (evt.Json.Length - end)];
        evt.Json.AsSpan(0, start).CopyTo(json);
        json[start] = (byte)'"';
        encoded.CopyTo(json.AsSpan(start + 1));
        json[start + 1 + encoded.Length] = (byte)'"';
        evt.Json.AsSpan(end).CopyTo(json.AsSpan(start + encoded.Length + 2));
        return evt with { UserKey = userKey, Json = json, IdentityKind = IdentityKind.Account };
    }

    /// <summary>Where the top-level <c>user_key</c> value lies (its quotes included); the normalizers always write one.</summary>
    private static (int Start, int End) UserKeyValue(byte[] json)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
            {
                continue;
            }

            var isUserKey = reader.ValueTextEquals("user_key"u8);
            reader.Read();
            if (isUserKey && reader.TokenType == JsonTokenType.String)
            {
                return ((int)reader.TokenStartIndex, (int)reader.BytesConsumed);
            }

            reader.Skip();
        }

        throw new ArgumentException("The normalized event has no top-level user_key string.", nameof(json));
    }
}
