using System.Net;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>The admin key is rotated by configuration alone: the new key works beside the old during the overlap, then alone.</summary>
public sealed class AdminKeyRotationTests
{
    private const string NewKey = "rotated-admin-key-0123456789abcdef";

    [Fact]
    public async Task A_second_admin_key_is_valid_during_the_overlap_and_the_first_stops_when_removed_without_a_restart()
    {
        var live = new LiveSettings();
        await using var silo = new SiloFactory(new Dictionary<string, string>(), live);
        await ((IAsyncLifetime)silo).InitializeAsync();
        using var oldKey = silo.ClientWithKey(SiloFactory.AdminKey);
        using var newKey = silo.ClientWithKey(NewKey);
        Assert.Equal(HttpStatusCode.OK, (await oldKey.GetAsync("/dev/inbox/none")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await newKey.GetAsync("/dev/inbox/none")).StatusCode);

        live.Set("SecurityCoach:AdminApiKeys:0", NewKey);
        Assert.Equal(HttpStatusCode.OK, (await newKey.GetAsync("/dev/inbox/none")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await oldKey.GetAsync("/dev/inbox/none")).StatusCode);

        // The rotation's end: the new key becomes the admin key, the list empties.
        live.Set("SecurityCoach:AdminApiKey", NewKey);
        live.Set("SecurityCoach:AdminApiKeys:0", null);
        Assert.Equal(HttpStatusCode.OK, (await newKey.GetAsync("/dev/inbox/none")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await oldKey.GetAsync("/dev/inbox/none")).StatusCode);
    }
}
