using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using SecurityCoach.Benchmarks.Load;

namespace SecurityCoach.Tests.Infrastructure;

/// <summary>
/// The real silo program (Local profile: one silo, memory providers, the HTTP API) hosted in-process, on free
/// loopback silo and gateway ports, with a fixed admin key and short retries. HTTP goes through the test server;
/// webhooks go out over real HTTP to a <see cref="WebhookReceiver"/>. Extra settings (another profile, its
/// endpoints) override these.
/// </summary>
public sealed class SiloFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly Microsoft.Extensions.Configuration.IConfigurationSource? _live;

    /// <summary>The collection fixture: xunit wants exactly one public constructor.</summary>
    public SiloFactory()
        : this(new Dictionary<string, string>())
    {
    }

    /// <param name="settings">Settings over the defaults below.</param>
    /// <param name="live">A configuration source the test changes while the program runs (added last, so it wins).</param>
    internal SiloFactory(IReadOnlyDictionary<string, string> settings, Microsoft.Extensions.Configuration.IConfigurationSource? live = null)
    {
        _settings = settings;
        _live = live;
    }

    public const string AdminKey = "test-admin-key-0123456789abcdef";

    public WebhookReceiver Webhooks { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Webhooks = await WebhookReceiver.StartAsync();
        // Start the host now, so the first test does not pay for silo start-up inside its own timeout.
        _ = Server;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("SecurityCoach:AdminApiKey", AdminKey);
        builder.UseSetting("SecurityCoach:Local:SiloPort", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("SecurityCoach:Local:GatewayPort", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Retries after 1 s of workflow time on a clock running 10× faster: 100 ms of wall time.
        builder.UseSetting("SecurityCoach:Coaching:RetryIntervalSeconds", "1");
        builder.UseSetting("SecurityCoach:Coaching:WorkflowClockRate", "10");
        builder.UseSetting("SecurityCoach:Coaching:MaxAttempts", MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("SecurityCoach:Ingest:RateLimit:EventsPerSecond", RateLimitPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("SecurityCoach:Ingest:RateLimit:Burst", RateLimitBurst.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("SecurityCoach:MaxIngestBodyBytes", MaxIngestBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_live is not null)
        {
            builder.ConfigureAppConfiguration(configuration => configuration.Add(_live));
        }
    }

    /// <summary>Per tenant; every test has its own tenant, so only the rate-limit test comes near it.</summary>
    public const int RateLimitPerSecond = 20;

    public const int RateLimitBurst = 40;

    /// <summary>Few, so a coaching fails within half a second.</summary>
    public const int MaxAttempts = 3;

    /// <summary>Small, so the 413 test need not send megabytes.</summary>
    public const int MaxIngestBodyBytes = 256 * 1024;

    public HttpClient ClientWithKey(string? apiKey)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>Creates a tenant with a unique id and returns its id and key.</summary>
    public async Task<(string TenantId, string ApiKey)> NewTenantAsync(string prefix = "t")
    {
        var tenantId = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];
        using var admin = ClientWithKey(AdminKey);
        using var response = await admin.PostAsJsonAsync("/v1/tenants", new { tenantId, name = "Test " + tenantId });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return (tenantId, body.GetProperty("apiKey").GetString()!);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Webhooks.DisposeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFactory>
{
    public const string Name = "silo";
}
