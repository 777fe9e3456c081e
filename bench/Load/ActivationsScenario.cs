using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SecurityCoach.Users;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// The <c>activations</c> scenario: the managed heap one UserGrain activation costs. Activates N user grains of one
/// tenant in the in-process silo, either directly (a read of a user never seen: an idle activation with empty state)
/// or through ingest (one event per user, no campaign: the state a user with one event has, plus its copy in the
/// memory grain storage), then forces full collections and divides the heap's growth by the activations that appeared.
/// </summary>
public sealed class ActivationsScenario(LoadOptions options, InProcessSilo silo, TextWriter log)
{
    private const int Parallel = 1_000;

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var management = grains.GetGrain<IManagementGrain>(0);
        var users = options.UserCount;
        using var http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var (tenantId, apiKey) = await CreateTenantAsync(http, cancellationToken);

        // Whatever the first activation of a grain type and the first ingest set up once is not per activation.
        // Users past the measured range, so the measured ones are all new.
        await ActivateAsync(grains, http, tenantId, apiKey, users, 100, cancellationToken);
        await WaitForActivationsAsync(management, 100, cancellationToken);

        var activationsBefore = await UserActivationsAsync(management);
        var heapBefore = SettledHeap();
        var started = Stopwatch.GetTimestamp();
        log.WriteLine($"activations: activating {users} user grains ({options.ActivateVia}); heap {heapBefore / 1048576.0:0.0} MiB, {activationsBefore} user activations");
        await ActivateAsync(grains, http, tenantId, apiKey, 0, users, cancellationToken);
        await WaitForActivationsAsync(management, activationsBefore + users, cancellationToken);
        var seconds = DeliveryLedger.MillisecondsSince(started, Stopwatch.GetTimestamp()) / 1000;
        var heapAfter = SettledHeap();
        var activations = await UserActivationsAsync(management) - activationsBefore;
        var perActivation = activations > 0 ? (double)(heapAfter - heapBefore) / activations : 0;
        log.WriteLine($"activations: {activations} activated in {seconds:0.0} s; heap {heapAfter / 1048576.0:0.0} MiB");

        var figures = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["users"] = users,
            ["activations"] = activations,
            ["bytes_per_activation"] = Math.Round(perActivation),
            ["heap_delta_mib"] = Math.Round((heapAfter - heapBefore) / 1048576.0, 1),
            ["activations_per_s"] = Math.Round(activations / seconds),
        };
        return new LoadReport(
            "activations",
            DateTimeOffset.UtcNow,
            LoadReport.GitCommit(),
            MachineInfo.Current(),
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["users"] = users.ToString(CultureInfo.InvariantCulture),
                ["activate_via"] = options.ActivateVia,
                ["silo_log_level"] = options.SiloLogLevel,
            },
            0, 0, LatencySummary.From(LoadReport.NewHistogram()), LatencySummary.From(LoadReport.NewHistogram()),
            activations >= users ? 0 : users - activations,
            null, null, null, figures);
    }

    private async Task ActivateAsync(IGrainFactory grains, HttpClient http, string tenantId, string apiKey, int from, int count, CancellationToken cancellationToken)
    {
        for (var batch = from; batch < from + count; batch += Parallel)
        {
            var size = Math.Min(Parallel, from + count - batch);
            if (options.ActivateVia == "direct")
            {
                var reads = new Task[size];
                for (var i = 0; i < size; i++)
                {
                    reads[i] = grains.GetGrain<IUserGrain>(GrainKeys.User(tenantId, UserKey(batch + i))).GetView();
                }

                await Task.WhenAll(reads);
            }
            else
            {
                await IngestAsync(http, apiKey, batch, size, cancellationToken);
            }
        }
    }

    /// <summary>One Zscaler event per user, 100 users per request.</summary>
    private static async Task IngestAsync(HttpClient http, string apiKey, int from, int count, CancellationToken cancellationToken)
    {
        const int PerRequest = 100;
        var requests = new List<Task>();
        for (var start = from; start < from + count; start += PerRequest)
        {
            var body = new StringBuilder("[");
            for (var i = start; i < Math.Min(start + PerRequest, from + count); i++)
            {
                body.Append(CultureInfo.InvariantCulture,
                    $$$"""{"sourcetype":"zscalernss-web","event":{"epochtime":1767164827,"recordid":"{{{i}}}","login":"{{{UserKey(i)}}}","action":"Allowed","urlcat":"Phishing","eurl":"https://login.evil.example/owa","reqmethod":"GET","cip":"10.1.2.3","devicehostname":"LAPTOP-17"}},""");
            }

            body[^1] = ']';
            requests.Add(PostAsync(http, apiKey, body.ToString(), cancellationToken));
        }

        await Task.WhenAll(requests);
    }

    private static async Task PostAsync(HttpClient http, string apiKey, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/ingest/zscaler") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Api-Key", apiKey);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    private async Task<(string TenantId, string ApiKey)> CreateTenantAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var tenantId = "bench-act-" + Guid.NewGuid().ToString("N")[..8];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tenants") { Content = JsonContent.Create(new { tenantId, name = "Activations" }) };
        request.Headers.Add("X-Api-Key", silo.AdminKey);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var apiKey = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("apiKey").GetString()!;
        return (tenantId, apiKey);
    }

    /// <summary>Ingested events reach their grains asynchronously: waits until the count is there (or five minutes passed).</summary>
    private static async Task WaitForActivationsAsync(IManagementGrain management, long expected, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (300 * Stopwatch.Frequency);
        while (await UserActivationsAsync(management) < expected && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(100, cancellationToken);
        }
    }

    private static async Task<long> UserActivationsAsync(IManagementGrain management)
    {
        long count = 0;
        foreach (var statistic in await management.GetSimpleGrainStatistics())
        {
            if (statistic.GrainType.Contains(nameof(UserGrain), StringComparison.Ordinal))
            {
                count += statistic.ActivationCount;
            }
        }

        return count;
    }

    /// <summary>The managed heap after full, compacting collections with finalizers run, so garbage does not count.</summary>
    private static long SettledHeap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static string UserKey(int i) => string.Create(CultureInfo.InvariantCulture, $"user{i}@acme.example");
}
