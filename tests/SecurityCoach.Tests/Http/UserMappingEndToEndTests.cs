using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SecurityCoach.Identities;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary>
/// Events whose identity is not an address, over HTTP against the real silo program: kept in the unmapped list,
/// then replayed, scored and coached once an alias resolves them.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class UserMappingEndToEndTests(SiloFactory silo)
{
    private const string Secret = "user-mapping-secret-1";

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private async Task<(string TenantId, HttpClient Client, string Hook)> TenantWithCampaignAsync(string pattern = """{"class_uid":[2004]}""")
    {
        var (tenantId, key) = await silo.NewTenantAsync("um");
        var client = silo.ClientWithKey(key);
        var hook = silo.Webhooks.NewHook(Secret);
        var campaign = $$"""
            {"name":"Detections","pattern":{{pattern}},"riskWeight":20,
             "tip":{"title":"About {{"{{"}}finding_info.title{{"}}"}}","body":"Seen on {{"{{"}}device.hostname{{"}}"}}."},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"{{Secret}}"}]}
            """;
        using var put = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/detections", Json(campaign));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return (tenantId, client, hook);
    }

    private static async Task<JsonElement> Unmapped(HttpClient client, string tenantId) =>
        await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/unmapped");

    [Fact]
    public async Task An_unmapped_event_is_replayed_and_coached_once_an_alias_resolves_it()
    {
        var (tenantId, client, hook) = await TenantWithCampaignAsync();
        using var _ = client;
        var raw = VendorSamples.DefenderAccountAlert("jdoe", "CORP", "da-um-1");

        // 1. Only CORP\jdoe names the user: accepted, counted as unmapped, published to nobody.
        using (var ingest = await client.PostAsync("/v1/ingest/defender", Json(raw)))
        {
            Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
            var body = await ingest.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1, body.GetProperty("accepted").GetInt32());
            Assert.Equal(1, body.GetProperty("unmapped").GetInt32());
            Assert.Empty(body.GetProperty("rejected").EnumerateArray());
            Assert.Equal("da-um-1", body.GetProperty("eventIds")[0].GetString());
        }

        // 2. The unmapped list shows it, with the event as it will be published.
        var list = await Unmapped(client, tenantId);
        Assert.Equal(1, list.GetProperty("events").GetInt64());
        var entry = Assert.Single(list.GetProperty("identities").EnumerateArray());
        Assert.Equal("defender", entry.GetProperty("vendor").GetString());
        Assert.Equal(@"corp\jdoe", entry.GetProperty("identity").GetString());
        Assert.Equal("account", entry.GetProperty("kind").GetString());
        Assert.Equal(1, entry.GetProperty("count").GetInt64());
        Assert.Equal(1, entry.GetProperty("kept").GetInt32());
        var sample = Assert.Single(entry.GetProperty("samples").EnumerateArray());
        Assert.Equal("da-um-1", sample.GetProperty("eventId").GetString());
        Assert.Equal("jdoe", sample.GetProperty("event").GetProperty("actor").GetProperty("user").GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/tenants/{tenantId}/users/jdoe@example.com")).StatusCode);
        Assert.Empty(silo.Webhooks.ReceivedAt(hook));

        // 3. An alias resolves it: the PUT replays it into the pipeline and the list forgets the identity.
        using (var put = await client.PutAsync($"/v1/tenants/{tenantId}/aliases",
            Json("""{"aliases":[{"identity":"CORP\\jdoe","user":"jdoe@example.com"}]}""")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var replayed = (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed");
            Assert.Equal(1, replayed.GetProperty("events").GetInt32());
            Assert.Equal(1, replayed.GetProperty("identities").GetInt32());
        }

        Assert.Empty((await Unmapped(client, tenantId)).GetProperty("identities").EnumerateArray());

        // 4. Scored and coached as jdoe@example.com.
        var delivered = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(15), "coaching of the replayed event"));
        Assert.True(delivered.SignatureValid);
        Assert.Equal("jdoe@example.com", delivered.Body.GetProperty("userKey").GetString());
        Assert.Equal("da-um-1", delivered.Body.GetProperty("eventId").GetString());
        Assert.Equal("jdoe@example.com", delivered.Body.GetProperty("event").GetProperty("user_key").GetString());
        Assert.Equal("CORP", delivered.Body.GetProperty("event").GetProperty("actor").GetProperty("user").GetProperty("domain").GetString());
        Assert.Equal("About Suspicious PowerShell command line", delivered.Body.GetProperty("tip").GetProperty("title").GetString());
        var user = await Eventually.Until(
            async () => await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/users/jdoe@example.com"),
            u => u.GetProperty("coachings").GetArrayLength() == 1 && u.GetProperty("coachings")[0].GetProperty("status").GetString() == "Delivered",
            "the user shows the delivered coaching of the replayed event");
        Assert.Equal(20, user.GetProperty("riskScore").GetDouble(), precision: 3);
        Assert.Equal(1, user.GetProperty("eventCount").GetInt64());

        // 5. The same event again (a client's retry) now resolves at ingest, and is not scored twice; a new one is.
        using (var again = await client.PostAsync("/v1/ingest/defender", Json(raw)))
        {
            Assert.Equal(0, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("unmapped").GetInt32());
        }

        using (var next = await client.PostAsync("/v1/ingest/defender", Json(VendorSamples.DefenderAccountAlert("JDoe", "corp", "da-um-2"))))
        {
            Assert.Equal(0, (await next.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("unmapped").GetInt32());
        }

        var after = await Eventually.Until(
            async () => await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/users/jdoe@example.com"),
            u => u.GetProperty("eventCount").GetInt64() == 2, "the new event was counted");
        Assert.Equal(["da-um-1", "da-um-2"], after.GetProperty("coachings").EnumerateArray().Select(c => c.GetProperty("eventId").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(2, (await silo.Webhooks.WaitForAsync(hook, 2, TimeSpan.FromSeconds(15), "coaching of the new event")).Count);
    }

    [Fact]
    public async Task A_mixed_batch_publishes_addresses_and_domain_rule_names_and_keeps_the_rest()
    {
        var (tenantId, client, hook) = await TenantWithCampaignAsync();
        using var _ = client;
        using (var put = await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Json("""{"aliases":[],"domain":"example.com"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var batch = $"[{VendorSamples.DefenderAccountAlert("asmith", "CORP", "da-mix-1")},{VendorSamples.DefenderAccountAlert("LAPTOP-17$", "CORP", "da-mix-2")}]";
        using var ingest = await client.PostAsync("/v1/ingest/defender", Json(batch));
        var body = await ingest.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        Assert.Equal(1, body.GetProperty("unmapped").GetInt32());

        var delivered = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(15), "coaching of the domain-rule user"));
        Assert.Equal("asmith@example.com", delivered.Body.GetProperty("userKey").GetString());
        var entry = Assert.Single((await Unmapped(client, tenantId)).GetProperty("identities").EnumerateArray());
        Assert.Equal(@"corp\laptop-17$", entry.GetProperty("identity").GetString());
    }

    [Fact]
    public async Task Unmapped_events_are_counted_per_vendor_and_identity_and_the_newest_are_kept()
    {
        var (tenantId, client, _) = await TenantWithCampaignAsync();
        using var __ = client;
        var events = string.Join(",", Enumerable.Range(1, UnmappedEventsGrain.EventsKeptPerIdentity + 2)
            .Select(n => VendorSamples.DefenderAccountAlert("jdoe", "CORP", $"da-count-{n}")));
        using (var ingest = await client.PostAsync("/v1/ingest/defender", Json($"[{events}]")))
        {
            Assert.Equal(UnmappedEventsGrain.EventsKeptPerIdentity + 2, (await ingest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("unmapped").GetInt32());
        }

        using (var ingest = await client.PostAsync("/v1/ingest/crowdstrike", Json(VendorSamples.CrowdStrikeDetection("jdoe", "ldt:count:1"))))
        {
            Assert.Equal(1, (await ingest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("unmapped").GetInt32());
        }

        // A client's retry of a kept event is not counted twice.
        using (var retry = await client.PostAsync("/v1/ingest/crowdstrike", Json(VendorSamples.CrowdStrikeDetection("jdoe", "ldt:count:1"))))
        {
            Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        }

        var list = await Unmapped(client, tenantId);
        Assert.Equal(UnmappedEventsGrain.EventsKeptPerIdentity + 3, list.GetProperty("events").GetInt64());
        Assert.Equal(2, list.GetProperty("notKept").GetInt64());
        var entries = list.GetProperty("identities").EnumerateArray().ToArray();
        Assert.Equal([("defender", @"corp\jdoe", UnmappedEventsGrain.EventsKeptPerIdentity + 2L, UnmappedEventsGrain.EventsKeptPerIdentity), ("crowdstrike", "jdoe", 1L, 1)],
            entries.Select(e => (e.GetProperty("vendor").GetString(), e.GetProperty("identity").GetString(), e.GetProperty("count").GetInt64(), e.GetProperty("kept").GetInt32())));
        Assert.Equal(
            Enumerable.Range(0, UnmappedEventsGrain.SamplesListed).Select(i => $"da-count-{UnmappedEventsGrain.EventsKeptPerIdentity + 2 - i}"),
            entries[0].GetProperty("samples").EnumerateArray().Select(s => s.GetProperty("eventId").GetString()!));

        // One mapping change replays both vendors' events of the identity it resolves.
        using var put = await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Json("""{"aliases":[],"domain":"example.com"}"""));
        var replayed = (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed");
        Assert.Equal((UnmappedEventsGrain.EventsKeptPerIdentity + 1, 2), (replayed.GetProperty("events").GetInt32(), replayed.GetProperty("identities").GetInt32()));
        await Eventually.Until(
            async () => await client.GetAsync($"/v1/tenants/{tenantId}/users/jdoe@example.com") is { StatusCode: HttpStatusCode.OK } ok
                ? (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventCount").GetInt64()
                : 0,
            count => count == UnmappedEventsGrain.EventsKeptPerIdentity + 1, "every kept event scored for jdoe@example.com");
    }

    [Fact]
    public async Task An_event_kept_while_an_alias_was_being_added_is_published_not_stranded()
    {
        var (tenantId, client, hook) = await TenantWithCampaignAsync();
        using var _ = client;
        using (var put = await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Json("""{"aliases":[{"identity":"10.9.8.7","user":"kiosk@example.com"}]}""")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        // As from an ingest request that read the mapping just before that PUT: the grain resolves it again.
        var json = $$"""{"class_uid":2004,"finding_info":{"title":"Late"},"device":{"ip":"10.9.8.7"},"tenant_id":"{{tenantId}}","user_key":"10.9.8.7"}""";
        var late = new SecurityEvent(tenantId, "10.9.8.7", "late-1", 1767225600000, "ocsf", Encoding.UTF8.GetBytes(json)) { IdentityKind = IdentityKind.Ip };
        await silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IUnmappedEventsGrain>(tenantId).Add([late]);

        var delivered = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(15), "coaching of the late event"));
        Assert.Equal("kiosk@example.com", delivered.Body.GetProperty("userKey").GetString());
        Assert.Empty((await Unmapped(client, tenantId)).GetProperty("identities").EnumerateArray());
    }

    [Fact]
    public async Task A_firewall_line_without_a_user_waits_under_its_source_ip_until_an_alias_names_the_ip()
    {
        var (tenantId, client, hook) = await TenantWithCampaignAsync("""{"class_uid":[4001],"disposition":["Blocked"]}""");
        using var _ = client;
        const string line = "1,2026/01/05 15:01:00,013201009876,TRAFFIC,deny,2561,2026/01/05 15:00:59,10.44.7.8,198.51.100.45,203.0.113.10,198.51.100.45,deny-smb-out,,,ms-ds-smb,vsys1,trust,untrust,ethernet1/2,ethernet1/1,fwd-to-siem,,90177,1,61022,445,,,0x400053,tcp,deny,18342,2211,16131,31,2026/01/05 15:00:59,12,any,,7301010,0x8000000000000000,10.0.0.0-10.255.255.255,Ireland,,14,17,policy-deny,,,,,,PA-VM-LIS-01";
        using (var ingest = await client.PostAsync("/v1/ingest/paloalto", new StringContent(line, Encoding.UTF8, "text/plain")))
        {
            Assert.Equal(1, (await ingest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("unmapped").GetInt32());
        }

        var entry = Assert.Single((await Unmapped(client, tenantId)).GetProperty("identities").EnumerateArray());
        Assert.Equal(("paloalto", "10.44.7.8", "ip"), (entry.GetProperty("vendor").GetString(), entry.GetProperty("identity").GetString(), entry.GetProperty("kind").GetString()));

        // The domain rule never turns an address into a mailbox; an alias for the IP (here as CSV) does.
        using (var domain = await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Json("""{"aliases":[],"domain":"example.com"}""")))
        {
            Assert.Equal(0, (await domain.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetProperty("events").GetInt32());
        }

        using (var alias = await client.PutAsync($"/v1/tenants/{tenantId}/aliases", new StringContent("identity,user\n10.44.7.8,build-server-owner@example.com\n", Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(1, (await alias.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetProperty("events").GetInt32());
        }

        var delivered = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(15), "coaching of the firewall line"));
        Assert.Equal("build-server-owner@example.com", delivered.Body.GetProperty("userKey").GetString());
        Assert.Equal("10.44.7.8", delivered.Body.GetProperty("event").GetProperty("src_endpoint").GetProperty("ip").GetString());
    }
}
