namespace SecurityCoach.Tests.Infrastructure;

/// <summary>
/// <see cref="GrainReferences.Reference{T}"/> builds, from the types it remembered, the reference Orleans' own
/// <c>GetGrain</c> builds: the same grain, the same interface, and calls that reach that grain.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainReferencesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Remembered_types_make_the_reference_orleans_makes()
    {
        var tenantId = "refs-" + Guid.NewGuid().ToString("N")[..8];
        // The first call resolves through Orleans; the next ones build from what it remembered.
        var first = fixture.Grains.Reference<IUserGrain>(GrainKeys.User(tenantId, "first"));
        var built = fixture.Grains.Reference<IUserGrain>(GrainKeys.User(tenantId, "alice"));
        var orleans = fixture.Grains.GetGrain<IUserGrain>(GrainKeys.User(tenantId, "alice"));

        Assert.Equal(orleans.GetGrainId(), built.GetGrainId());
        Assert.Equal(((GrainReference)orleans).InterfaceType, ((GrainReference)built).InterfaceType);
        Assert.Equal(orleans.GetGrainId().Type, first.GetGrainId().Type);
        Assert.NotEqual(built.GetGrainId(), first.GetGrainId());

        // A call through the built reference reaches the grain Orleans' reference reaches.
        Assert.Empty(await built.SetPreferences(new UserPreferences("Europe/Paris", null)));
        Assert.Equal("Europe/Paris", (await orleans.GetPreferences()).TimeZone);

        // Another interface gets its own types.
        var tenant = fixture.Grains.Reference<ITenantGrain>(tenantId);
        Assert.Equal(fixture.Grains.GetGrain<ITenantGrain>(tenantId).GetGrainId(), tenant.GetGrainId());
        Assert.NotEqual(built.GetGrainId().Type, tenant.GetGrainId().Type);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void A_blank_key_is_refused_as_orleans_refuses_it(string key)
    {
        fixture.Grains.Reference<IUserGrain>("refs/warm");
        Assert.ThrowsAny<ArgumentException>(() => fixture.Grains.Reference<IUserGrain>(key));
        Assert.ThrowsAny<ArgumentException>(() => fixture.Grains.GetGrain<IUserGrain>(key));
    }
}
