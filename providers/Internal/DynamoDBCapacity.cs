namespace SecurityCoach.Providers.Aws;

/// <summary>Names of the capacity counters of the DynamoDB providers (meter <c>SecurityCoach.Providers.Aws</c>, tag <c>table</c>).</summary>
public static class DynamoDBCapacity
{
    /// <summary>Write capacity units the grain storage and reminder table consumed.</summary>
    public const string WriteUnitsName = "securitycoach.dynamodb.write_units";

    /// <summary>Read capacity units the grain storage and reminder table consumed.</summary>
    public const string ReadUnitsName = "securitycoach.dynamodb.read_units";
}
