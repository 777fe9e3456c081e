using System.Net;
using System.Text.Json;

namespace SecurityCoach.Silo;

/// <summary>
/// The task's own IPv4 address on ECS (Fargate, awsvpc), read from the container metadata endpoint v4 that ECS
/// announces in <c>ECS_CONTAINER_METADATA_URI_V4</c>. A silo must advertise this address to the others: the host
/// name inside the container resolves to nothing they can reach.
/// </summary>
public static class EcsTaskMetadata
{
    public const string EndpointVariable = "ECS_CONTAINER_METADATA_URI_V4";

    /// <summary>The address, or null when not on ECS (no endpoint) or when the endpoint names none.</summary>
    public static async Task<IPAddress?> TryGetIPv4Async(string? endpoint, HttpMessageHandler? handler = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(endpoint))
        {
            return null;
        }

        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(5);
        await using var body = await http.GetStreamAsync(new Uri(endpoint), cancellationToken);
        using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        if (!document.RootElement.TryGetProperty("Networks", out var networks) || networks.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var network in networks.EnumerateArray())
        {
            if (network.TryGetProperty("IPv4Addresses", out var addresses) && addresses.ValueKind == JsonValueKind.Array)
            {
                foreach (var address in addresses.EnumerateArray())
                {
                    if (IPAddress.TryParse(address.GetString(), out var ip))
                    {
                        return ip;
                    }
                }
            }
        }

        return null;
    }
}
