using System.Text;
using System.Text.Json;

namespace SecurityCoach.Tests.Identities;

/// <summary>How an event's identity resolves to a user: e-mail passthrough, alias table, domain rule.</summary>
public sealed class UserDirectoryTests
{
    private static UserDirectory Directory(string? domain, params (string Identity, string User)[] aliases) =>
        new(new UserMapping(3, [.. aliases.Select(a => UserMappingRules.Normalize(new UserAlias(a.Identity, a.User)))], domain, null));

    [Theory]
    [InlineData(IdentityKind.Account)]
    [InlineData(IdentityKind.Host)]
    public void An_address_is_the_user_whatever_the_mapping(IdentityKind kind)
    {
        var directory = Directory("other.example", ("jdoe", "someone@else.example"));
        Assert.Equal("jdoe@example.com", directory.Resolve("jdoe@example.com", kind));
    }

    [Theory]
    [InlineData(@"corp\jdoe")]
    [InlineData(@"CORP\JDoe")]
    [InlineData(@" corp\jdoe ")]
    public void An_alias_matches_ignoring_case_and_edge_spaces(string identity) =>
        Assert.Equal("john.doe@example.com", Directory(null, (@"CORP\jdoe", "John.Doe@Example.com")).Resolve(identity, IdentityKind.Account));

    [Theory]
    [InlineData("s-1-5-21-3623811015-3361044348-30300820-1013", IdentityKind.Account)]
    [InlineData("laptop-17", IdentityKind.Host)]
    [InlineData("10.1.2.3", IdentityKind.Ip)]
    public void Sids_hosts_and_ips_resolve_through_aliases(string identity, IdentityKind kind)
    {
        var directory = Directory("example.com", ("S-1-5-21-3623811015-3361044348-30300820-1013", "a@example.com"),
            ("LAPTOP-17", "b@example.com"), ("10.1.2.3", "c@example.com"));
        Assert.EndsWith("@example.com", directory.Resolve(identity, kind));
        Assert.Null(Directory("example.com").Resolve(identity, kind));
    }

    [Theory]
    [InlineData("jdoe", "jdoe@example.com")]
    [InlineData(@"corp\jdoe", "jdoe@example.com")]
    [InlineData(@"CORP\J.Doe", "j.doe@example.com")]
    [InlineData("o'brien", "o'brien@example.com")]
    public void The_domain_rule_completes_account_names(string identity, string user) =>
        Assert.Equal(user, Directory("example.com").Resolve(identity, IdentityKind.Account));

    [Theory]
    [InlineData("s-1-5-21-1004336348-1177238915-682003330-512", IdentityKind.Account)]
    [InlineData("laptop-17$", IdentityKind.Account)]
    [InlineData(@"corp\laptop-17$", IdentityKind.Account)]
    [InlineData("john doe", IdentityKind.Account)]
    [InlineData(@"corp\", IdentityKind.Account)]
    [InlineData(".jdoe", IdentityKind.Account)]
    [InlineData("laptop-17", IdentityKind.Host)]
    [InlineData("10.1.2.3", IdentityKind.Ip)]
    public void The_domain_rule_leaves_sids_machines_odd_names_hosts_and_ips_unmapped(string identity, IdentityKind kind) =>
        Assert.Null(Directory("example.com").Resolve(identity, kind));

    [Fact]
    public void An_alias_wins_over_the_domain_rule() =>
        Assert.Equal("john.doe@example.com", Directory("example.com", ("jdoe", "john.doe@example.com")).Resolve("jdoe", IdentityKind.Account));

    [Fact]
    public void Without_alias_or_domain_an_account_name_is_unmapped() =>
        Assert.Null(Directory(null, ("asmith", "a.smith@example.com")).Resolve(@"corp\jdoe", IdentityKind.Account));

    [Fact]
    public void Assigning_a_user_rewrites_user_key_and_keeps_everything_else()
    {
        const string json = """{"class_uid":2004,"actor":{"user":{"name":"jdoe","domain":"CORP","user_key":"nested stays"}},"raw_data":"{\"user_key\":\"x\"}","tenant_id":"acme","user_key":"corp\\jdoe"}""";
        var evt = new SecurityEvent("acme", @"corp\jdoe", "evt-1", 1767225600000, "defender", Encoding.UTF8.GetBytes(json));

        var assigned = evt.AssignUser("jdoe@example.com");

        Assert.Equal("jdoe@example.com", assigned.UserKey);
        Assert.Equal(("acme", "evt-1", 1767225600000L, "defender"), (assigned.TenantId, assigned.EventId, assigned.TimeMs, assigned.Vendor));
        using var document = JsonDocument.Parse(assigned.Json);
        var root = document.RootElement;
        Assert.Equal("jdoe@example.com", root.GetProperty("user_key").GetString());
        Assert.Equal("nested stays", root.GetProperty("actor").GetProperty("user").GetProperty("user_key").GetString());
        Assert.Equal("jdoe", root.GetProperty("actor").GetProperty("user").GetProperty("name").GetString());
        Assert.Equal("""{"user_key":"x"}""", root.GetProperty("raw_data").GetString());
        Assert.Equal(json.Replace("\"user_key\":\"corp\\\\jdoe\"", "\"user_key\":\"jdoe@example.com\"", StringComparison.Ordinal), Encoding.UTF8.GetString(assigned.Json));
    }

    [Fact]
    public void Assigning_a_user_escapes_it_as_json()
    {
        var evt = new SecurityEvent("acme", "jdoe", "evt-1", 0, "ocsf", """{"user_key":"jdoe"}"""u8.ToArray()) { IdentityKind = IdentityKind.Host };
        var assigned = evt.AssignUser("o\"brien@example.com");
        Assert.Equal("o\"brien@example.com", JsonDocument.Parse(assigned.Json).RootElement.GetProperty("user_key").GetString());
        Assert.Equal(IdentityKind.Account, assigned.IdentityKind);
    }

    [Fact]
    public void Every_invalid_alias_is_reported_with_its_position()
    {
        var errors = new List<FieldError>();
        UserMappingRules.ValidateAliases(
            [
                new UserAlias(@"CORP\jdoe", "jdoe@example.com"),
                new UserAlias(@"corp\JDOE", "other@example.com"),
                new UserAlias("", "x@example.com"),
                new UserAlias("asmith", "not an address"),
                new UserAlias("jdoe@corp.example", "jdoe@example.com"),
                new UserAlias("bsmith", ""),
                new UserAlias("csmith", "c@localhost"),
            ],
            static (i, column) => $"aliases[{i}].{column}", errors);

        Assert.Equal(
            ["aliases[1].identity", "aliases[2].identity", "aliases[3].user", "aliases[4].identity", "aliases[5].user", "aliases[6].user"],
            errors.Select(e => e.Field));
        Assert.Contains("aliases[0].identity", errors[0].Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("example.com", true)]
    [InlineData("corp.example.co.uk", true)]
    [InlineData("@example.com", false)]
    [InlineData("localhost", false)]
    [InlineData("exa mple.com", false)]
    [InlineData("-bad.example", false)]
    public void The_domain_must_be_a_dns_name(string domain, bool valid)
    {
        var errors = new List<FieldError>();
        UserMappingRules.ValidateDomain(domain, errors);
        Assert.Equal(valid, errors.Count == 0);
    }
}
