using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Storage;
using SecurityCoach.Coaching;
using SecurityCoach.Storage;
using SecurityCoach.Tests.Http;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// <c>DELETE …/users/{userKey}</c> erases one person of a tenant: read back over HTTP nothing of them is left, the
/// other user is untouched, a coaching in progress sends nothing more, the audit names the erasure without the key,
/// and the in-process store (read byte for byte) no longer holds the key.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class UserErasureTests(SiloFactory silo)
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(30);

    private static readonly string[] IngestScope = ["ingest"];

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Campaign(string hook, string pattern) => $$"""
        {"name":"c","pattern":{{pattern}},"riskWeight":10,"tip":{"title":"Careful","body":"Don't run attachments."},
         "channels":[{"type":"webhook","url":"{{hook}}","secret":"0123456789abcdef"}]}
        """;

    /// <summary>A CrowdStrike detection naming no user, only a host; <paramref name="commandLine"/> may name someone.</summary>
    private static string HostDetection(string host, string detectId, string commandLine) => $$"""
        {"metadata":{"customerIDString":"0123456789abcdef","offset":43,"eventType":"EPPDetectionSummaryEvent","eventCreationTime":1767225600123,"version":"1.0"},
         "event":{"DetectId":"{{detectId}}","Hostname":"{{host}}","Name":"Known Malware","Severity":70,"FileName":"invoice.exe",
                  "CommandLine":"{{commandLine}}","Tactic":"Execution","Technique":"User Execution"} }
        """;

    private static async Task Ingest(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/v1/ingest/crowdstrike", Json(body));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task<JsonElement> Get(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private byte[][] StoredRecords() =>
        [.. Assert.IsType<InProcessGrainStorage>(silo.Services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME))
            .StoredBytes().Select(b => b.ToArray())];

    private static bool Holds(byte[] record, string text) =>
        record.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0 || record.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text.ToUpperInvariant())) >= 0;

    [Fact]
    public async Task Erasing_a_user_leaves_nothing_of_them_readable_or_stored_stops_their_coaching_and_audits_without_the_key()
    {
        var (tenantId, key) = await silo.NewTenantAsync("er");
        using var client = silo.ClientWithKey(key);
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var (nameA, nameB) = ("era" + suffix, "erb" + suffix);
        var (userA, userB) = ($"{nameA}@example.com", $"{nameB}@example.com");
        var t = $"/v1/tenants/{tenantId}";

        var delivered = silo.Webhooks.NewHook("0123456789abcdef");
        var failing = silo.Webhooks.NewHook("0123456789abcdef");
        silo.Webhooks.Script(failing, [.. Enumerable.Repeat(500, 50)]);
        var slow = silo.Webhooks.NewHook("0123456789abcdef");
        // 429 with Retry-After: 1 → a second between attempts: A's coaching of this campaign is in progress when erased.
        silo.Webhooks.Script(slow, [.. Enumerable.Repeat(429, 50)]);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"{t}/campaigns/malware", Json(Campaign(delivered, """{"class_uid":[2004],"user_key":[{"exists":true}]}""")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"{t}/campaigns/fails", Json(Campaign(failing, """{"class_uid":[2004],"user_key":[{"exists":true}]}""")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"{t}/aliases", Json($$"""
            {"aliases":[{"identity":"svc-{{nameA}}","user":"{{userA}}"},{"identity":"svc-{{nameB}}","user":"{{userB}}"}],"domain":"example.com"}
            """))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"{t}/users/{userA}/preferences", Json("""{"timeZone":"Europe/Berlin","quietHours":null}"""))).StatusCode);

        // Both users coached (one delivery, one failure each); two unmapped host events, one naming A in its command line.
        await Ingest(client, VendorSamples.CrowdStrikeDetection(nameA, $"ldt:{suffix}:a1"));
        await Ingest(client, VendorSamples.CrowdStrikeDetection(nameB, $"ldt:{suffix}:b1"));
        await Ingest(client, HostDetection("host-" + suffix, $"ldt:{suffix}:h1", $"outlook.exe /profile {userA.ToUpperInvariant()}"));
        await Ingest(client, HostDetection("host-" + suffix, $"ldt:{suffix}:h2", "outlook.exe /safe"));
        await silo.Webhooks.WaitForAsync(delivered, 2, Delivery, "both users' tips delivered");
        await Eventually.Until(() => Get(client, $"{t}/coachings?status=Failed"), f => f.GetArrayLength() == 2, "both users' failing coachings listed");

        // Made after B's event (B has no other), so only A's next event is coached by it.
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"{t}/campaigns/slow", Json(Campaign(slow, """{"class_uid":[2004],"user_key":[{"exists":true}]}""")))).StatusCode);
        await Ingest(client, VendorSamples.CrowdStrikeDetection(nameA, $"ldt:{suffix}:a2"));
        await silo.Webhooks.WaitForAsync(slow, 1, Delivery, "A's slow coaching made its first attempt");

        // Two events × the campaigns there were: 2 + 3 coachings, each listed once started.
        var before = await Eventually.Until(() => Get(client, $"{t}/users/{userA}"), u => u.GetProperty("coachings").GetArrayLength() == 5, "A's five coachings started");
        var coachingsOfA = before.GetProperty("coachings").EnumerateArray().Select(c => c.GetProperty("coachingId").GetString()!).ToArray();
        Assert.Contains(userA, (await Get(client, $"{t}/unmapped")).GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(StoredRecords(), r => Holds(r, userA));

        using (var erase = await client.DeleteAsync($"{t}/users/{userA}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, erase.StatusCode);
        }

        var slowAttempts = silo.Webhooks.ReceivedAt(slow).Count;

        // Nothing of A over HTTP.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{t}/users/{userA}")).StatusCode);
        foreach (var id in coachingsOfA)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{t}/coachings/{id}")).StatusCode);
        }

        var failures = await Get(client, $"{t}/coachings?status=Failed");
        Assert.Equal([userB], failures.EnumerateArray().Select(f => f.GetProperty("userKey").GetString()));
        var unmapped = await Get(client, $"{t}/unmapped");
        Assert.DoesNotContain(userA, unmapped.GetRawText(), StringComparison.OrdinalIgnoreCase);
        var host = Assert.Single(unmapped.GetProperty("identities").EnumerateArray());
        Assert.Equal([$"ldt:{suffix}:h2"], host.GetProperty("samples").EnumerateArray().Select(s => s.GetProperty("eventId").GetString()));
        var aliases = await Get(client, $"{t}/aliases");
        Assert.Equal([userB], aliases.GetProperty("aliases").EnumerateArray().Select(a => a.GetProperty("user").GetString()));
        Assert.Equal("{\"userKey\":\"" + userA + "\",\"timeZone\":null,\"quietHours\":null}", (await Get(client, $"{t}/users/{userA}/preferences")).GetRawText());

        // The audit proves the erasure without naming A; the earlier entry that named A now carries the same pseudonym.
        var audit = await Get(client, $"{t}/audit");
        Assert.DoesNotContain(nameA, audit.GetRawText(), StringComparison.OrdinalIgnoreCase);
        var entries = audit.GetProperty("entries").EnumerateArray().ToArray();
        var erasure = entries.Single(e => e.GetProperty("action").GetString() == "user.erase");
        var pseudonym = erasure.GetProperty("target").GetString()!;
        Assert.Matches("^hmac-sha256:[0-9a-f]{32}$", pseudonym);
        Assert.Equal(pseudonym, entries.Single(e => e.GetProperty("action").GetString() == "preferences.put").GetProperty("target").GetString());

        // The coaching that was in progress sends nothing more (its retries were a second apart).
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(slowAttempts, silo.Webhooks.ReceivedAt(slow).Count);

        // Not in the store either; B is.
        var stored = StoredRecords();
        Assert.DoesNotContain(stored, r => Holds(r, userA) || Holds(r, nameA));
        Assert.Contains(stored, r => Holds(r, userB));

        // B untouched.
        var b = await Get(client, $"{t}/users/{userB}");
        Assert.Equal(1, b.GetProperty("eventCount").GetInt64());
        Assert.Equal(2, b.GetProperty("coachings").GetArrayLength());
        foreach (var coaching in b.GetProperty("coachings").EnumerateArray())
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{t}/coachings/{coaching.GetProperty("coachingId").GetString()}")).StatusCode);
        }

        // A new event for A starts from zero.
        await Ingest(client, VendorSamples.CrowdStrikeDetection(nameA, $"ldt:{suffix}:a3"));
        var again = await Eventually.Until(() => client.GetAsync($"{t}/users/{userA}"), r => r.StatusCode == HttpStatusCode.OK, "A's new event scored");
        var fresh = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, fresh.GetProperty("eventCount").GetInt64());
        Assert.Equal(30, fresh.GetProperty("riskScore").GetDouble());
        Assert.Equal(3, fresh.GetProperty("coachings").GetArrayLength());
    }

    [Fact]
    public async Task Erasing_finds_the_coachings_the_users_view_no_longer_lists()
    {
        var (tenantId, key) = await silo.NewTenantAsync("eo");
        using var client = silo.ClientWithKey(key);
        var t = $"/v1/tenants/{tenantId}";
        var name = "ero" + Guid.NewGuid().ToString("N")[..10];
        var user = name + "@example.com";
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"{t}/aliases", Json("""{"aliases":[],"domain":"example.com"}"""))).StatusCode);
        // Two campaigns in test mode (nothing sent): two coachings an event, 120 in all, so 70 leave the view's 50 and
        // 64 of those go on to the user's index.
        foreach (var campaign in new[] { "one", "two" })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"{t}/campaigns/{campaign}", Json(Campaign("https://hooks.example.com/x", """{"class_uid":[2004]}""")
                .Replace("\"riskWeight\"", "\"testMode\":true,\"riskWeight\"", StringComparison.Ordinal)))).StatusCode);
        }

        var eventIds = new List<string>();
        for (var request = 0; request < 3; request++)
        {
            var body = "[" + string.Join(',', Enumerable.Range(0, 20).Select(i => VendorSamples.CrowdStrikeDetection(name, $"ldt:{name}:{request}:{i}"))) + "]";
            // Over the test silo's ingest rate (burst 40, 20 a second): the 429 says when to come back.
            var response = await Eventually.Until(() => client.PostAsync("/v1/ingest/crowdstrike", Json(body)), r => r.StatusCode != HttpStatusCode.TooManyRequests,
                $"ingest request {request} admitted");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            eventIds.AddRange((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventIds").EnumerateArray().Select(e => e.GetString()!));
        }

        var coachings = eventIds.SelectMany(e => new[] { CoachingIds.For(user, e, "one"), CoachingIds.For(user, e, "two") }).ToArray();
        Assert.Equal(120, coachings.Length);
        // Every event scored (events still queued at the erasure would be scored after it, as new) and the newest 50 started.
        async Task<(long Events, int Listed)> Scored()
        {
            using var response = await client.GetAsync($"{t}/users/{user}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (0, 0);
            }

            var view = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (view.GetProperty("eventCount").GetInt64(), view.GetProperty("coachings").GetArrayLength());
        }

        await Eventually.Until(Scored, s => s == (60, 50), "all 60 events scored, the newest 50 coachings started");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{t}/coachings/{coachings[0]}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{t}/users/{user}")).StatusCode);

        var left = new List<string>();
        foreach (var id in coachings)
        {
            if ((await client.GetAsync($"{t}/coachings/{id}")).StatusCode != HttpStatusCode.NotFound)
            {
                left.Add(id);
            }
        }

        Assert.True(left.Count == 0, $"{left.Count} left: " + string.Join(",", left.Select(id => Array.IndexOf(coachings, id))));
        Assert.DoesNotContain(StoredRecords(), r => Holds(r, user));
    }

    [Fact]
    public async Task Erasing_drops_the_reminders_of_a_coaching_waiting_out_quiet_hours_and_of_the_users_watch()
    {
        var (tenantId, key) = await silo.NewTenantAsync("eq");
        using var client = silo.ClientWithKey(key);
        var t = $"/v1/tenants/{tenantId}";
        var name = "erq" + Guid.NewGuid().ToString("N")[..10];
        var user = name + "@example.com";
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"{t}/aliases", Json("""{"aliases":[],"domain":"example.com"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"{t}/users/{user}/preferences", Json($$$"""
            {"timeZone":"UTC","quietHours":{"start":"{{{now.AddHours(-1):HH:mm}}}","end":"{{{now.AddHours(3):HH:mm}}}","timeZone":"UTC"}}
            """))).StatusCode);
        var hook = silo.Webhooks.NewHook("0123456789abcdef");
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"{t}/campaigns/malware", Json(Campaign(hook, """{"class_uid":[2004]}""")))).StatusCode);

        using var ingest = await client.PostAsync("/v1/ingest/crowdstrike", Json(VendorSamples.CrowdStrikeDetection(name, $"ldt:{name}:1")));
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        var eventId = (await ingest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventIds")[0].GetString()!;
        var coachingId = CoachingIds.For(user, eventId, "malware");
        // The quiet hours' end is hours away: the coaching waits on a reminder of its own, the user watches with its own.
        await Eventually.Until(() => client.GetStringAsync($"{t}/coachings/{coachingId}").ContinueWith(r => r.IsCompletedSuccessfully ? r.Result : ""),
            c => c.Contains("\"WaitStarted\"", StringComparison.Ordinal), "the coaching waits for the end of quiet hours");

        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var reminders = silo.Services.GetRequiredService<Orleans.IReminderTable>();
        var coachingGrain = grains.Reference<ICoachingGrain>(GrainKeys.Coaching(tenantId, coachingId)).GetGrainId();
        var userGrain = grains.Reference<IUserGrain>(GrainKeys.User(tenantId, user)).GetGrainId();
        await Eventually.Until(() => reminders.ReadRows(coachingGrain), r => r.Reminders.Count == 1, "the coaching's own reminder registered");
        Assert.Single((await reminders.ReadRows(userGrain)).Reminders);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{t}/users/{user}")).StatusCode);

        Assert.Empty((await reminders.ReadRows(coachingGrain)).Reminders);
        Assert.Empty((await reminders.ReadRows(userGrain)).Reminders);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{t}/coachings/{coachingId}")).StatusCode);
        Assert.Empty(silo.Webhooks.ReceivedAt(hook));
    }

    [Fact]
    public async Task Erasing_is_idempotent_an_unknown_user_answers_204_and_an_ingest_key_is_refused_naming_the_scope()
    {
        var (tenantId, key) = await silo.NewTenantAsync("ei");
        using var client = silo.ClientWithKey(key);
        var t = $"/v1/tenants/{tenantId}";
        using var created = await client.PostAsJsonAsync($"{t}/keys", new { name = "forwarder", scopes = IngestScope });
        using var ingestOnly = silo.ClientWithKey((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString());

        using var refused = await ingestOnly.DeleteAsync($"{t}/users/nobody@example.com");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("admin", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("missingScope").GetString());

        for (var i = 0; i < 2; i++)
        {
            using var erased = await client.DeleteAsync($"{t}/users/Nobody@Example.com");
            Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
        }

        var erasures = (await Get(client, $"{t}/audit")).GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("action").GetString() == "user.erase").Select(e => e.GetProperty("target").GetString()).ToArray();
        Assert.Equal(2, erasures.Length);
        Assert.Equal(erasures[0], erasures[1]);
    }
}
