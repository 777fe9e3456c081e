using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary>Stored workflows over HTTP, campaigns that name them, and the quiet-hours settings of tenants and users.</summary>
[Collection(SiloCollection.Name)]
public sealed class WorkflowApiTests(SiloFactory silo)
{
    private const string Secret = "workflow-api-secret";

    private static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    /// <summary>render → a Pass state that rewrites the title → webhook delivery → record: the title shows which text ran.</summary>
    private static string Personalized(string title) => $$"""
        {
          "Comment": "Tip with a fixed title",
          "StartAt": "Render",
          "States": {
            "Render": { "Type": "Task", "Resource": "coach:render-tip", "ResultPath": "$.tip", "Next": "Personalize" },
            "Personalize": { "Type": "Pass", "Parameters": { "title": "{{title}}", "body.$": "$.tip.body" }, "ResultPath": "$.tip", "Next": "Deliver" },
            "Deliver": {
              "Type": "Task", "Resource": "coach:deliver-webhook", "Parameters": { "tip.$": "$.tip" }, "ResultPath": "$.delivery",
              "Retry": [ { "ErrorEquals": [ "States.ALL" ], "IntervalSeconds": 1, "MaxAttempts": 2 } ],
              "Next": "Record"
            },
            "Record": { "Type": "Task", "Resource": "coach:record", "Parameters": { "status": "Delivered" }, "End": true }
          }
        }
        """;

    private static string Campaign(string hook, string workflowField) => $$"""
        {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":5,"tip":{"title":"Careful","body":"Malware was found."},
         "channels":[{"type":"webhook","url":"{{hook}}","secret":"{{Secret}}"}]{{workflowField}}}
        """;

    private static string WorkflowField(string name) => $",\"workflow\":\"{name}\"";

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://securitycoach.dev/problems/" + type, problem.GetProperty("type").GetString());
        return problem;
    }

    private static List<(string Field, string Problem)> Errors(JsonElement problem) =>
        [.. problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("field").GetString()!, e.GetProperty("problem").GetString()!))];

    [Fact]
    public async Task A_workflow_is_stored_read_back_listed_after_the_built_in_and_versioned_on_replace()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var put = await client.PutAsync($"/v1/tenants/{tenantId}/workflows/fixed-title", Json(Personalized("v1")));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var stored = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("fixed-title", stored.GetProperty("name").GetString());
        Assert.False(stored.GetProperty("builtIn").GetBoolean());
        Assert.Equal("Render", stored.GetProperty("definition").GetProperty("StartAt").GetString());
        Assert.True(stored.TryGetProperty("updatedAt", out _));
        var v1 = stored.GetProperty("version").GetInt64();

        var read = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/workflows/fixed-title");
        Assert.Equal(v1, read.GetProperty("version").GetInt64());
        Assert.Equal("v1", read.GetProperty("definition").GetProperty("States").GetProperty("Personalize").GetProperty("Parameters").GetProperty("title").GetString());

        using var replace = await client.PutAsync($"/v1/tenants/{tenantId}/workflows/fixed-title", Json(Personalized("v2")));
        var v2 = (await replace.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
        Assert.True(v2 > v1, $"version {v2} after {v1}");

        var list = (await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/workflows")).EnumerateArray().ToList();
        Assert.Equal(["default", "fixed-title"], list.Select(w => w.GetProperty("name").GetString()));
        Assert.True(list[0].GetProperty("builtIn").GetBoolean());
        Assert.True(list[0].GetProperty("states").GetInt32() > 5, "the built-in has its policy, delivery and failure states");
        Assert.Equal(4, list[1].GetProperty("states").GetInt32());
        Assert.Equal("Tip with a fixed title", list[1].GetProperty("comment").GetString());
        Assert.Equal(v2, list[1].GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task The_built_in_workflow_reads_as_default_and_cannot_be_replaced_or_removed()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        var builtIn = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/workflows/default");
        Assert.True(builtIn.GetProperty("builtIn").GetBoolean());
        Assert.Equal(0, builtIn.GetProperty("version").GetInt64());
        var definition = builtIn.GetProperty("definition");
        var start = definition.GetProperty("StartAt").GetString()!;
        Assert.True(definition.GetProperty("States").TryGetProperty(start, out _));

        // Its text is a valid starting point: stored under another name as it is, it is accepted.
        using var copy = await client.PutAsync($"/v1/tenants/{tenantId}/workflows/my-copy", Json(definition.GetRawText()));
        Assert.Equal(HttpStatusCode.OK, copy.StatusCode);

        using var replace = await client.PutAsync($"/v1/tenants/{tenantId}/workflows/default", Json(Personalized("x")));
        var problem = await AssertProblem(replace, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Contains(Errors(problem), e => e.Field == "name" && e.Problem.Contains("built-in", StringComparison.Ordinal));

        using var delete = await client.DeleteAsync($"/v1/tenants/{tenantId}/workflows/default");
        await AssertProblem(delete, HttpStatusCode.Conflict, "workflow-built-in");
    }

    [Fact]
    public async Task An_invalid_workflow_is_422_listing_every_error_with_its_JSON_path_and_is_not_stored()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        const string asl = """
            {
              "States": {
                "Render": { "Type": "Task", "Resource": "coach:render-tip", "Next": "Nowhere" },
                "Deliver": {
                  "Type": "Task", "Resource": "coach:teleport", "End": true,
                  "Retry": [ { "ErrorEquals": [ "Channel.Rejected" ], "MaxAttempts": 0 }, { "ErrorEquals": [ "States.ALL" ], "BackoffRate": 0.5 } ]
                }
              }
            }
            """;

        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/workflows/broken", Json(asl));

        var problem = await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "validation");
        var errors = Errors(problem);
        Assert.Contains(errors, e => e.Field == "$.StartAt" && e.Problem.Contains("required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "$.States.Render.Next" && e.Problem.Contains("'Nowhere'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "$.States.Deliver.Resource" && e.Problem.Contains("coach:teleport", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "$.States.Deliver.Retry[1].BackoffRate");
        await AssertProblem(await client.GetAsync($"/v1/tenants/{tenantId}/workflows/broken"), HttpStatusCode.NotFound, "workflow-not-found");
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("has.dot")]
    [InlineData("a-name-that-is-longer-than-sixty-four-characters-is-refused-by-the-api")]
    public async Task A_workflow_name_that_is_not_an_identifier_is_422_on_name(string name)
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/workflows/{name}", Json(Personalized("x")));

        var problem = await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Equal("name", Assert.Single(Errors(problem)).Field);
    }

    [Theory]
    [InlineData("""{"StartAt": """, "malformed-json")]
    [InlineData("", "malformed-json")]
    [InlineData("""{"StartAt":"A","StartAt":"B","States":{"A":{"Type":"Succeed"},"B":{"Type":"Succeed"}}}""", "duplicate-key")]
    public async Task A_workflow_body_that_is_not_plain_JSON_is_400(string body, string type)
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/workflows/w", Json(body));

        await AssertProblem(response, HttpStatusCode.BadRequest, type);
    }

    [Fact]
    public async Task A_workflow_over_64_KiB_is_413_and_one_not_sent_as_JSON_is_415()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var large = Personalized(new string('x', WorkflowRules.MaxDefinitionBytes));

        await AssertProblem(await client.PutAsync($"/v1/tenants/{tenantId}/workflows/big", Json(large)), HttpStatusCode.RequestEntityTooLarge, "body-too-large");
        await AssertProblem(await client.PutAsync($"/v1/tenants/{tenantId}/workflows/text", Json(Personalized("x"), "text/plain")),
            HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task Workflow_endpoints_need_the_tenants_key()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        var (otherTenant, _) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using var anonymous = silo.ClientWithKey(null);
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);

        await AssertProblem(await anonymous.PutAsync($"/v1/tenants/{tenantId}/workflows/w", Json(Personalized("x"))), HttpStatusCode.Unauthorized, "unauthorized");
        await AssertProblem(await anonymous.GetAsync($"/v1/tenants/{tenantId}/workflows"), HttpStatusCode.Unauthorized, "unauthorized");
        await AssertProblem(await client.PutAsync($"/v1/tenants/{otherTenant}/workflows/w", Json(Personalized("x"))), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblem(await client.GetAsync($"/v1/tenants/{otherTenant}/workflows/default"), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblem(await client.DeleteAsync($"/v1/tenants/{otherTenant}/workflows/w"), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/v1/tenants/{otherTenant}/workflows/w", Json(Personalized("x")))).StatusCode);
    }

    [Fact]
    public async Task A_campaign_naming_a_workflow_the_tenant_lacks_is_422_on_workflow()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware",
            Json(Campaign("https://hooks.example/x", WorkflowField("not-stored") + ",\"deliveryLimit\":\"PT0S\"")));

        var problem = await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "validation");
        var fields = Errors(problem).Select(e => e.Field).ToList();
        Assert.Contains("workflow", fields);
        Assert.Contains("deliveryLimit", fields);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/campaigns")).GetProperty("campaigns").EnumerateArray());
    }

    [Fact]
    public async Task A_workflow_a_campaign_names_cannot_be_removed_until_the_campaign_stops_naming_it()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/workflows/w", Json(Personalized("x")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", Json(Campaign("https://hooks.example/x", WorkflowField("w"))))).StatusCode);

        var inUse = await AssertProblem(await client.DeleteAsync($"/v1/tenants/{tenantId}/workflows/w"), HttpStatusCode.Conflict, "workflow-in-use");
        Assert.Equal("malware", Assert.Single(inUse.GetProperty("campaigns").EnumerateArray()).GetString());

        // "default" names the built-in: the campaign is stored without a workflow.
        using var toDefault = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", Json(Campaign("https://hooks.example/x", WorkflowField("default"))));
        Assert.Equal(JsonValueKind.Null, (await toDefault.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("workflow").ValueKind);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/tenants/{tenantId}/workflows/w")).StatusCode);
        await AssertProblem(await client.DeleteAsync($"/v1/tenants/{tenantId}/workflows/w"), HttpStatusCode.NotFound, "workflow-not-found");
    }

    [Fact]
    public async Task The_campaign_set_carries_only_the_workflows_its_campaigns_name()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/workflows/used", Json(Personalized("used")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/workflows/draft", Json(Personalized("draft")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", Json(Campaign("https://hooks.example/x", WorkflowField("used"))))).StatusCode);

        var set = await silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantGrain>(tenantId).GetCampaigns();

        Assert.Equal("used", Assert.Single(set.Workflows).Name);
        Assert.Equal("used", Assert.Single(set.Campaigns).Definition.Workflow);
    }

    [Fact]
    public async Task An_events_coaching_runs_the_workflow_its_campaign_names_and_a_replacement_reaches_the_next_coaching()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var hook = silo.Webhooks.NewHook(Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/workflows/fixed-title", Json(Personalized("From the workflow")))).StatusCode);
        using (var campaign = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", Json(Campaign(hook, WorkflowField("fixed-title")))))
        {
            Assert.Equal(HttpStatusCode.OK, campaign.StatusCode);
            Assert.Equal("fixed-title", (await campaign.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("workflow").GetString());
        }

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/v1/ingest/netskope", Json(VendorSamples.NetskopeAlert("wf@example.com", "ns-wf-1")))).StatusCode);

        var first = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(15), "tip of the stored workflow"));
        Assert.True(first.SignatureValid);
        var tip = first.Body.GetProperty("tip");
        Assert.Equal("From the workflow", tip.GetProperty("title").GetString());
        Assert.Equal("Malware was found.", tip.GetProperty("body").GetString());
        var coachingId = first.Body.GetProperty("coachingId").GetString()!;
        await Eventually.Until(
            () => client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/coachings/{coachingId}"),
            c => c.GetProperty("status").GetString() == "Delivered", "coaching of the stored workflow delivered");
        var view = await silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ICoachingGrain>(GrainKeys.Coaching(tenantId, coachingId)).GetView();
        Assert.Equal("fixed-title", view!.Workflow);
        var entered = JsonDocument.Parse(view.ExecutionHistoryJson).RootElement.EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "StateEntered")
            .Select(e => e.GetProperty("state").GetString());
        Assert.Equal(["Render", "Personalize", "Deliver", "Record"], entered);

        // A replaced text reaches the next coaching of the campaign.
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/workflows/fixed-title", Json(Personalized("Second text")))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/v1/ingest/netskope", Json(VendorSamples.NetskopeAlert("wf@example.com", "ns-wf-2")))).StatusCode);
        var both = await silo.Webhooks.WaitForAsync(hook, 2, TimeSpan.FromSeconds(15), "tip after the workflow was replaced");
        Assert.Equal("Second text", both[1].Body.GetProperty("tip").GetProperty("title").GetString());
    }

    [Fact]
    public async Task Tenant_quiet_hours_round_trip_and_invalid_ones_are_422_naming_each_field()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var put = await client.PutAsync($"/v1/tenants/{tenantId}/settings",
            Json("""{"quietHours":{"start":"22:00","end":"07:00","timeZone":"Europe/Berlin"}}"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var settings = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/settings");
        var hours = settings.GetProperty("quietHours");
        Assert.Equal("22:00", hours.GetProperty("start").GetString());
        Assert.Equal("07:00", hours.GetProperty("end").GetString());
        Assert.Equal("Europe/Berlin", hours.GetProperty("timeZone").GetString());
        var quiet = (await silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantGrain>(tenantId).GetCampaigns()).QuietHours;
        Assert.Equal(new QuietHours("22:00", "07:00", "Europe/Berlin"), quiet);

        using var invalid = await client.PutAsync($"/v1/tenants/{tenantId}/settings",
            Json("""{"quietHours":{"start":"25:00","end":"7","timeZone":"Mars/Olympus_Mons"}}"""));
        var problem = await AssertProblem(invalid, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Equal(["quietHours.end", "quietHours.start", "quietHours.timeZone"], Errors(problem).Select(e => e.Field).Order(StringComparer.Ordinal));

        using var empty = await client.PutAsync($"/v1/tenants/{tenantId}/settings", Json("""{"quietHours":{"start":"08:00","end":"08:00","timeZone":"UTC"}}"""));
        Assert.Equal("quietHours.end", Assert.Single(Errors(await AssertProblem(empty, HttpStatusCode.UnprocessableEntity, "validation"))).Field);

        var unchanged = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/settings");
        Assert.Equal("22:00", unchanged.GetProperty("quietHours").GetProperty("start").GetString());
    }

    [Fact]
    public async Task User_preferences_round_trip_for_any_casing_of_the_key_and_invalid_ones_are_422()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        var (otherTenant, _) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var url = $"/v1/tenants/{tenantId}/users/Night.Owl@Example.com/preferences";

        var never = await client.GetFromJsonAsync<JsonElement>(url);
        Assert.Equal(JsonValueKind.Null, never.GetProperty("timeZone").ValueKind);
        Assert.Equal(JsonValueKind.Null, never.GetProperty("quietHours").ValueKind);

        using var put = await client.PutAsync(url, Json("""{"timeZone":"America/New_York","quietHours":{"start":"21:30","end":"06:45","timeZone":"America/New_York"}}"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var read = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/users/night.owl@example.com/preferences");
        Assert.Equal("night.owl@example.com", read.GetProperty("userKey").GetString());
        Assert.Equal("America/New_York", read.GetProperty("timeZone").GetString());
        Assert.Equal("21:30", read.GetProperty("quietHours").GetProperty("start").GetString());

        // The time zone alone: the tenant's quiet hours, read in the user's zone.
        using var zoneOnly = await client.PutAsync(url, Json("""{"timeZone":"Asia/Tokyo","quietHours":null}"""));
        Assert.Equal(HttpStatusCode.OK, zoneOnly.StatusCode);
        var prefs = await silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>(GrainKeys.User(tenantId, "night.owl@example.com")).GetPreferences();
        Assert.Equal(new UserPreferences("Asia/Tokyo", null), prefs);

        using var invalid = await client.PutAsync(url, Json("""{"timeZone":"Nowhere/Special","quietHours":{"start":"9am","end":"17:00"}}"""));
        var problem = await AssertProblem(invalid, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Equal(["quietHours.start", "quietHours.timeZone", "timeZone"], Errors(problem).Select(e => e.Field).Order(StringComparer.Ordinal));
        await AssertProblem(await client.PutAsync(url, Json("""{"zone":"UTC"}""")), HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Equal("Asia/Tokyo", (await client.GetFromJsonAsync<JsonElement>(url)).GetProperty("timeZone").GetString());

        await AssertProblem(await client.PutAsync($"/v1/tenants/{otherTenant}/users/x@example.com/preferences", Json("""{"timeZone":"UTC"}""")), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Preferences_for_a_user_key_over_1024_bytes_are_422_naming_it_and_store_nothing()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var longKey = new string('a', 3 * 1024) + "@example.com";

        var problem = await AssertProblem(await client.PutAsync($"/v1/tenants/{tenantId}/users/{longKey}/preferences", Json("""{"timeZone":"UTC"}""")),
            HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Equal(["userKey"], Errors(problem).Select(e => e.Field));
        var prefs = await silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>(GrainKeys.User(tenantId, longKey)).GetPreferences();
        Assert.Null(prefs.TimeZone);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_workflow_and_preference_endpoints()
    {
        using var client = silo.CreateClient();
        var paths = (await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("paths");
        foreach (var path in new[] { "/v1/tenants/{tenantId}/workflows", "/v1/tenants/{tenantId}/workflows/{name}", "/v1/tenants/{tenantId}/users/{userKey}/preferences" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI document lacks {path}");
        }
    }
}
