using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Storage;
using SecurityCoach.Storage;
using SecurityCoach.Tests.Http;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// Channel secrets never reach grain state in the clear (the Local profile's in-process store is read byte for byte),
/// deliveries still sign with the plaintext, and the API shows a chat webhook URL only as its host.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class SecretsAtRestTests(SiloFactory silo)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Webhook_secrets_alert_secrets_and_chat_urls_are_stored_encrypted_and_deliveries_still_sign_with_the_plaintext()
    {
        var (tenantId, key) = await silo.NewTenantAsync("sa");
        using var client = silo.ClientWithKey(key);
        var webhookSecret = "hook-secret-" + Guid.NewGuid().ToString("N");
        var alertSecret = "alert-secret-" + Guid.NewGuid().ToString("N");
        var slackToken = "SlackToken" + Guid.NewGuid().ToString("N");
        var hook = silo.Webhooks.NewHook(webhookSecret);

        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", Json($$"""
            {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":5,"tip":{"title":"Malware stopped","body":"Careful."},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"{{webhookSecret}}"}]}
            """))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/never", Json($$"""
            {"name":"Never matched","pattern":{"class_uid":[9999]},"riskWeight":1,"tip":{"title":"t","body":"b"},
             "channels":[{"type":"slack","url":"https://hooks.slack.com/services/T0/B0/{{slackToken}}"}]}
            """))).StatusCode);
        var alertHook = silo.Webhooks.NewHook(alertSecret);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/settings", Json($$"""
            {"alertChannel":{"type":"webhook","url":"{{alertHook}}","secret":"{{alertSecret}}"} }
            """))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Json("""{"aliases":[],"domain":"example.com"}"""))).StatusCode);

        using var ingest = await client.PostAsync("/v1/ingest/crowdstrike", Json(VendorSamples.CrowdStrikeDetection("jdoe", "ldt:secrets:1")));
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        var delivered = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(30), "tip delivered"));
        Assert.True(delivered.SignatureValid, "the delivery was not signed with the plaintext secret");

        // The coaching's record is written too; every record in the store, tenant and coaching alike, is free of the plaintexts.
        var storage = Assert.IsType<InProcessGrainStorage>(silo.Services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME));
        var stored = storage.StoredBytes().Select(b => b.ToArray()).ToArray();
        foreach (var plaintext in new[] { webhookSecret, alertSecret, slackToken })
        {
            var bytes = Encoding.UTF8.GetBytes(plaintext);
            Assert.DoesNotContain(stored, record => record.AsSpan().IndexOf(bytes) >= 0);
        }

        Assert.Contains(stored, record => record.AsSpan().IndexOf("scs1."u8) >= 0);

        var campaigns = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/campaigns");
        var shown = campaigns.GetRawText();
        Assert.DoesNotContain(slackToken, shown, StringComparison.Ordinal);
        Assert.DoesNotContain("scs1.", shown, StringComparison.Ordinal);
        Assert.Contains("\"url\":\"https://hooks.slack.com/…\"", shown.Replace("\\u2026", "…", StringComparison.Ordinal), StringComparison.Ordinal);
        var settings = (await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/settings")).GetRawText();
        Assert.DoesNotContain(alertSecret, settings, StringComparison.Ordinal);
        Assert.DoesNotContain("scs1.", settings, StringComparison.Ordinal);
    }
}
