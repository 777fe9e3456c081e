using System.Text.Json;
using System.Text.Json.Serialization;

namespace SecurityCoach.Api.Http;

/// <summary>JSON settings of the API.</summary>
public static class ApiJson
{
    /// <summary>For request bodies: camelCase, and an unknown field is an error, so a typo is reported, not ignored.</summary>
    public static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
    };
}
