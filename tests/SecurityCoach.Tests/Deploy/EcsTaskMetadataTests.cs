using System.Net;
using System.Text;
using SecurityCoach.Silo;

namespace SecurityCoach.Tests.Deploy;

public sealed class EcsTaskMetadataTests
{
    /// <summary>Answers every request with one canned body, as the ECS agent's metadata endpoint would.</summary>
    private sealed class CannedMetadata(string json) : HttpMessageHandler
    {
        public Uri? Asked { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Asked = request.RequestUri;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
        }
    }

    [Fact]
    public async Task The_task_address_comes_from_the_container_metadata()
    {
        using var handler = new CannedMetadata("""
            {"DockerId":"abc","Name":"silo","Networks":[{"NetworkMode":"awsvpc","IPv4Addresses":["10.0.1.23"],"AttachmentIndex":0}]}
            """);

        var address = await EcsTaskMetadata.TryGetIPv4Async("http://169.254.170.2/v4/abc", handler);

        Assert.Equal(IPAddress.Parse("10.0.1.23"), address);
        Assert.Equal("http://169.254.170.2/v4/abc", handler.Asked?.ToString());
    }

    [Theory]
    [InlineData("""{"Networks":[]}""")]
    [InlineData("""{"Networks":[{"IPv4Addresses":["not an ip"]}]}""")]
    [InlineData("""{"DockerId":"abc"}""")]
    public async Task Metadata_without_an_address_gives_none(string json)
    {
        using var handler = new CannedMetadata(json);
        Assert.Null(await EcsTaskMetadata.TryGetIPv4Async("http://169.254.170.2/v4/abc", handler));
    }

    [Fact]
    public async Task Outside_ECS_there_is_no_endpoint_and_no_address() =>
        Assert.Null(await EcsTaskMetadata.TryGetIPv4Async(null));
}
