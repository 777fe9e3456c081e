using Amazon.DynamoDBv2.Model;

namespace SecurityCoach.Tests.Aws;

[Collection(LocalAwsCollection.Name)]
public sealed class LocalAwsFixtureTests(LocalAwsFixture aws)
{
    [Fact]
    public async Task Emulators_serve_DynamoDB_and_S3_on_loopback()
    {
        Assert.Equal("127.0.0.1", aws.DynamoDBServiceUrl.Host);
        Assert.Equal("127.0.0.1", aws.S3ServiceUrl.Host);

        var table = $"fixture-{Guid.NewGuid():N}";
        await aws.DynamoDB.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            BillingMode = Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("PK", Amazon.DynamoDBv2.ScalarAttributeType.S)],
            KeySchema = [new("PK", Amazon.DynamoDBv2.KeyType.HASH)],
        });
        Assert.Contains(table, (await aws.DynamoDB.ListTablesAsync()).TableNames ?? []);

        var bucket = $"fixture-{Guid.NewGuid():N}";
        await aws.S3.PutBucketAsync(bucket);
        await aws.S3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "hello" });
        using var read = await aws.S3.GetObjectAsync(bucket, "k");
        using var reader = new StreamReader(read.ResponseStream);
        Assert.Equal("hello", await reader.ReadToEndAsync());
    }
}
