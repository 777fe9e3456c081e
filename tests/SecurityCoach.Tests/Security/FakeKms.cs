using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SecurityCoach.Benchmarks.Load;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// AWS KMS's <c>GenerateDataKey</c> and <c>Decrypt</c> as the KMS API reference describes them (JSON 1.1: <c>POST /</c>,
/// <c>X-Amz-Target: TrentService.{Action}</c>, blobs in base64), on a loopback port. A ciphertext blob opens only with
/// the encryption context and key it was made under, as in KMS; anything else is answered
/// <c>InvalidCiphertextException</c>. Every request is kept for the test to look at.
/// </summary>
public sealed class FakeKms : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (byte[] Plaintext, string KeyId, string Context)> _blobs = new();
    private WebApplication _app = null!;

    public string ServiceUrl { get; private set; } = "";

    public ConcurrentQueue<(string Action, JsonObject Body)> Requests { get; } = new();

    public static async Task<FakeKms> StartAsync()
    {
        var kms = new FakeKms();
        (kms._app, kms.ServiceUrl) = await LoopbackServer.StartAsync(app => app.MapPost("/", (Delegate)kms.HandleAsync));
        return kms;
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        if (!context.Request.ContentType?.StartsWith("application/x-amz-json-1.1", StringComparison.Ordinal) ?? true)
        {
            return Error(400, "SerializationException", $"content type {context.Request.ContentType} is not application/x-amz-json-1.1");
        }

        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var action = target.StartsWith("TrentService.", StringComparison.Ordinal) ? target["TrentService.".Length..] : target;
        Requests.Enqueue((action, body));
        var keyId = body["KeyId"]?.GetValue<string>();
        var encryptionContext = body["EncryptionContext"]?.ToJsonString() ?? "{}";
        switch (action)
        {
            case "GenerateDataKey":
                if (keyId is null || body["KeySpec"]?.GetValue<string>() != "AES_256")
                {
                    return Error(400, "ValidationException", "KeyId and KeySpec AES_256 are required here");
                }

                var plaintext = RandomNumberGenerator.GetBytes(32);
                var blob = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
                _blobs[blob] = (plaintext, keyId, encryptionContext);
                return Results.Json(new Dictionary<string, string> { ["CiphertextBlob"] = blob, ["Plaintext"] = Convert.ToBase64String(plaintext), ["KeyId"] = keyId },
                    contentType: "application/x-amz-json-1.1");
            case "Decrypt":
                var given = body["CiphertextBlob"]?.GetValue<string>() ?? "";
                if (!_blobs.TryGetValue(given, out var made) || made.Context != encryptionContext || (keyId is not null && keyId != made.KeyId))
                {
                    return Error(400, "InvalidCiphertextException", "The ciphertext, its encryption context or its key does not match");
                }

                return Results.Json(new Dictionary<string, string> { ["Plaintext"] = Convert.ToBase64String(made.Plaintext), ["KeyId"] = made.KeyId, ["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT" },
                    contentType: "application/x-amz-json-1.1");
            default:
                return Error(400, "UnknownOperationException", $"unknown operation {target}");
        }
    }

    private static IResult Error(int status, string type, string message) =>
        Results.Json(new Dictionary<string, string> { ["__type"] = type, ["message"] = message }, statusCode: status, contentType: "application/x-amz-json-1.1");

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public static string ContextOf(JsonObject body) => body["EncryptionContext"]?.ToJsonString(new JsonSerializerOptions()) ?? "";
}
