using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SecurityCoach.Api.Auth;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// Every route of the API × every kind of key: what each policy admits, proven by calling the real program. The
/// table below is the contract; a route the program maps that the table does not name fails the test, so a new
/// route cannot ship without saying who may call it.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class ScopeMatrixTests(SiloFactory silo)
{
    private enum Needs
    {
        Anyone,
        Operator,
        Ingest,
        Read,
        Admin,
    }

    /// <summary>"METHOD pattern" → what it needs.</summary>
    private static readonly Dictionary<string, Needs> Routes = new(StringComparer.Ordinal)
    {
        ["POST /v1/tenants/"] = Needs.Operator,
        ["PUT /v1/tenants/{tenantId}/campaigns/{campaignId}"] = Needs.Admin,
        ["GET /v1/tenants/{tenantId}/campaigns"] = Needs.Read,
        ["PUT /v1/tenants/{tenantId}/settings"] = Needs.Admin,
        ["GET /v1/tenants/{tenantId}/settings"] = Needs.Read,
        ["PUT /v1/tenants/{tenantId}/quotas"] = Needs.Operator,
        ["GET /v1/tenants/{tenantId}/quotas"] = Needs.Read,
        ["POST /v1/tenants/{tenantId}/keys"] = Needs.Admin,
        ["GET /v1/tenants/{tenantId}/keys"] = Needs.Admin,
        ["DELETE /v1/tenants/{tenantId}/keys/{keyId}"] = Needs.Admin,
        ["GET /v1/tenants/{tenantId}/audit"] = Needs.Read,
        ["GET /v1/tenants/{tenantId}/users/{userKey}"] = Needs.Read,
        ["DELETE /v1/tenants/{tenantId}/users/{userKey}"] = Needs.Admin,
        ["PUT /v1/tenants/{tenantId}/users/{userKey}/preferences"] = Needs.Admin,
        ["GET /v1/tenants/{tenantId}/users/{userKey}/preferences"] = Needs.Read,
        ["GET /v1/tenants/{tenantId}/coachings/"] = Needs.Read,
        ["GET /v1/tenants/{tenantId}/coachings/{coachingId}"] = Needs.Read,
        ["POST /v1/tenants/{tenantId}/coachings/{coachingId}/retry"] = Needs.Admin,
        ["PUT /v1/tenants/{tenantId}/workflows/{name}"] = Needs.Admin,
        ["GET /v1/tenants/{tenantId}/workflows/{name}"] = Needs.Read,
        ["GET /v1/tenants/{tenantId}/workflows/"] = Needs.Read,
        ["DELETE /v1/tenants/{tenantId}/workflows/{name}"] = Needs.Admin,
        ["GET /v1/tenants/{tenantId}/system-campaigns/"] = Needs.Read,
        ["POST /v1/tenants/{tenantId}/system-campaigns/{systemId}/enable"] = Needs.Admin,
        ["POST /v1/tenants/{tenantId}/system-campaigns/{systemId}/disable"] = Needs.Admin,
        ["PUT /v1/tenants/{tenantId}/aliases"] = Needs.Admin,
        ["GET /v1/tenants/{tenantId}/aliases"] = Needs.Read,
        ["GET /v1/tenants/{tenantId}/unmapped"] = Needs.Read,
        ["POST /v1/ingest/{vendor}"] = Needs.Ingest,
        ["GET /v1/admin/dead-letters/"] = Needs.Operator,
        ["POST /v1/admin/dead-letters/replay"] = Needs.Operator,
        ["POST /v1/admin/dead-letters/drop"] = Needs.Operator,
        ["GET /healthz"] = Needs.Anyone,
        ["GET /openapi/{documentName}.json"] = Needs.Anyone,
        ["PUT /dev/inbox/{name}"] = Needs.Operator,
        ["POST /dev/inbox/{name}"] = Needs.Anyone,
        ["GET /dev/inbox/{name}"] = Needs.Operator,
    };

    private static string RouteValue(string name, string tenantId) => name switch
    {
        "tenantId" => tenantId,
        "campaignId" => "matrix",
        "keyId" => "000000000000",
        "userKey" => "matrix@example.com",
        "coachingId" => new string('0', 32),
        "name" => "matrix",
        "systemId" => "sys-malware",
        "vendor" => "zscaler",
        "documentName" => "v1",
        _ => throw new InvalidOperationException($"the matrix does not know route value '{name}'; add it"),
    };

    private static string[] Methods(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods.ToArray() ?? [];

    private IEnumerable<RouteEndpoint> ApiEndpoints() =>
        silo.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => !e.RoutePattern.RawText!.StartsWith("/dashboard", StringComparison.Ordinal));

    [Fact]
    public void Every_route_the_program_maps_is_in_the_matrix_and_every_matrix_row_is_mapped()
    {
        var mapped = ApiEndpoints().SelectMany(e => Methods(e).Select(m => $"{m} {e.RoutePattern.RawText}")).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(mapped.Except(Routes.Keys));
        Assert.Empty(Routes.Keys.Except(mapped));
    }

    [Fact]
    public void Every_dashboard_route_needs_the_operator()
    {
        var dashboard = silo.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/dashboard", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(dashboard);
        Assert.All(dashboard, e => Assert.Contains(e.Metadata.GetOrderedMetadata<IAuthorizeData>(), a => a.Policy == ApiPolicies.Operator));
    }

    [Fact]
    public async Task Each_route_admits_exactly_the_keys_its_policy_names()
    {
        var (tenantId, fullKey) = await silo.NewTenantAsync("mx");
        var (_, otherTenantKey) = await silo.NewTenantAsync("mo");
        using var admin = silo.ClientWithKey(fullKey);
        async Task<string> Key(params string[] scopes)
        {
            using var response = await admin.PostAsJsonAsync($"/v1/tenants/{tenantId}/keys", new { name = string.Join('+', scopes), scopes });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
        }

        var keys = new (string Name, string? Key)[]
        {
            ("none", null),
            ("ingest", await Key("ingest")),
            ("read", await Key("read")),
            ("admin", await Key("admin")),
            ("full", fullKey),
            ("other tenant", otherTenantKey),
            ("operator", SiloFactory.AdminKey),
        };

        var failures = new List<string>();
        foreach (var endpoint in ApiEndpoints())
        {
            foreach (var method in Methods(endpoint))
            {
                var pattern = endpoint.RoutePattern;
                var row = $"{method} {pattern.RawText}";
                var needs = Routes[row];
                var path = pattern.RawText!;
                foreach (var parameter in pattern.Parameters)
                {
                    path = path.Replace("{" + parameter.Name + "}", Uri.EscapeDataString(RouteValue(parameter.Name, tenantId)), StringComparison.Ordinal);
                }

                foreach (var (name, key) in keys)
                {
                    using var client = silo.ClientWithKey(key);
                    using var request = new HttpRequestMessage(new HttpMethod(method), path);
                    if (method is "POST" or "PUT")
                    {
                        request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                    }

                    using var response = await client.SendAsync(request);
                    var expected = Expected(needs, name);
                    var status = response.StatusCode;
                    var admitted = status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden);
                    var ok = expected switch
                    {
                        HttpStatusCode.OK => admitted,
                        _ => status == expected,
                    };
                    if (ok && expected == HttpStatusCode.Forbidden && needs is Needs.Ingest or Needs.Read or Needs.Admin && name is "ingest" or "read" or "admin")
                    {
                        // A key of the right tenant lacking the scope: the 403 says which scope.
                        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                        ok = problem.TryGetProperty("missingScope", out var scope) && string.Equals(scope.GetString(), needs.ToString(), StringComparison.OrdinalIgnoreCase);
                    }

                    if (!ok)
                    {
                        failures.Add($"{row} with the {name} key: {(int)status}, expected {(expected == HttpStatusCode.OK ? "admitted" : ((int)expected).ToString(System.Globalization.CultureInfo.InvariantCulture))}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static HttpStatusCode Expected(Needs needs, string key) => (needs, key) switch
    {
        (Needs.Anyone, _) => HttpStatusCode.OK,
        (_, "none") => HttpStatusCode.Unauthorized,
        (Needs.Operator, "operator") => HttpStatusCode.OK,
        (Needs.Operator, _) => HttpStatusCode.Forbidden,
        (Needs.Ingest, "ingest" or "full" or "other tenant") => HttpStatusCode.OK,
        (Needs.Ingest, _) => HttpStatusCode.Forbidden,
        (Needs.Read, "read" or "full" or "operator") => HttpStatusCode.OK,
        (Needs.Admin, "admin" or "full" or "operator") => HttpStatusCode.OK,
        _ => HttpStatusCode.Forbidden,
    };
}
