using System.Text.Json;
using SecurityCoach.Benchmarks.Load;
using SecurityCoach.Providers.Aws.Internal;
using SecurityCoach.Silo;

namespace SecurityCoach.Tests.Deploy;

/// <summary>
/// deploy/ecs/securitycoach.template.json must create what the providers and the Aws profile expect: the key
/// schemas, the queue names, the settings, and no more permissions or open ports than they need.
/// </summary>
public sealed class EcsTemplateTests
{
    private static readonly JsonElement Template = Load();
    private static readonly JsonElement Resources = Template.GetProperty("Resources");

    private static JsonElement Load()
    {
        var root = Repository.Root() ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "deploy", "ecs", "securitycoach.template.json"))).RootElement.Clone();
    }

    private static IEnumerable<(string Name, JsonElement Resource)> OfType(string type) =>
        Resources.EnumerateObject().Where(r => r.Value.GetProperty("Type").GetString() == type).Select(r => (r.Name, r.Value));

    private static JsonElement Container => Resources.GetProperty("TaskDefinition").GetProperty("Properties").GetProperty("ContainerDefinitions")[0];

    private static Dictionary<string, JsonElement> Environment() =>
        Container.GetProperty("Environment").EnumerateArray().ToDictionary(e => e.GetProperty("Name").GetString()!, e => e.GetProperty("Value"));

    [Fact]
    public void Every_table_has_the_key_schema_the_providers_use()
    {
        var tables = OfType("AWS::DynamoDB::Table").ToList();
        Assert.Equal(["GrainStateTable", "SilosTable", "RemindersTable"], tables.Select(t => t.Name));
        foreach (var (name, table) in tables)
        {
            var properties = table.GetProperty("Properties");
            var keys = properties.GetProperty("KeySchema").EnumerateArray().Select(k => (k.GetProperty("AttributeName").GetString(), k.GetProperty("KeyType").GetString())).ToList();
            Assert.True(keys.SequenceEqual([(DynamoDBTables.PartitionKey, "HASH"), (DynamoDBTables.SortKey, "RANGE")]), $"{name}: {string.Join(", ", keys)}");
            Assert.All(properties.GetProperty("AttributeDefinitions").EnumerateArray(), a => Assert.Equal("S", a.GetProperty("AttributeType").GetString()));
            Assert.False(properties.TryGetProperty("GlobalSecondaryIndexes", out _), $"{name}: the providers never read a secondary index");
            Assert.Equal("PAY_PER_REQUEST", properties.GetProperty("BillingMode").GetString());
        }
    }

    [Fact]
    public void The_grain_state_table_deletes_what_the_storage_marks_as_expired()
    {
        var ttl = OfType("AWS::DynamoDB::Table").Single(t => t.Name == "GrainStateTable").Resource.GetProperty("Properties").GetProperty("TimeToLiveSpecification");
        Assert.Equal(SecurityCoach.Providers.Aws.Storage.DynamoDBGrainStorageOptions.TimeToLiveAttribute, ttl.GetProperty("AttributeName").GetString());
        Assert.True(ttl.GetProperty("Enabled").GetBoolean());
    }

    [Fact]
    public void The_silo_is_told_the_tables_it_gets()
    {
        var env = Environment();
        Assert.Equal("Aws", env["SecurityCoach__Profile"].GetString());
        Assert.Equal("GrainStateTable", env["SecurityCoach__Aws__GrainStateTable"].GetProperty("Ref").GetString());
        Assert.Equal("SilosTable", env["SecurityCoach__Aws__SilosTable"].GetProperty("Ref").GetString());
        Assert.Equal("RemindersTable", env["SecurityCoach__Aws__RemindersTable"].GetProperty("Ref").GetString());
        Assert.Equal("Bucket", env["SecurityCoach__Aws__Bucket"].GetProperty("Ref").GetString());
    }

    [Fact]
    public void Every_setting_of_the_Aws_profile_is_set_except_creating_resources()
    {
        var env = Environment();
        foreach (var property in typeof(AwsProfileOptions).GetProperties().Where(p => p.Name != nameof(AwsProfileOptions.CreateIfNotExists)))
        {
            Assert.True(env.ContainsKey($"SecurityCoach__Aws__{property.Name}"), $"the task sets no SecurityCoach__Aws__{property.Name}");
        }

        Assert.False(env.ContainsKey("SecurityCoach__Aws__CreateIfNotExists"), "in AWS the stack creates the resources; the silo only verifies them");
        Assert.Contains(Container.GetProperty("Secrets").EnumerateArray(), s => s.GetProperty("Name").GetString() == "SecurityCoach__AdminApiKey");
    }

    [Fact]
    public void There_is_one_queue_and_one_dead_letter_queue_per_configured_queue_named_as_the_provider_names_them()
    {
        var count = int.Parse(Environment()["SecurityCoach__Aws__QueueCount"].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var queues = OfType("AWS::SQS::Queue").ToDictionary(q => q.Name, q => q.Resource.GetProperty("Properties"));
        Assert.Equal(2 * count, queues.Count);
        for (var n = 0; n < count; n++)
        {
            var queue = queues[$"EventsQueue{n}"];
            Assert.Equal($"${{QueueNamePrefix}}-{n}", queue.GetProperty("QueueName").GetProperty("Fn::Sub").GetString());
            Assert.Equal($"${{QueueNamePrefix}}-{n}-dlq", queues[$"EventsDeadLetterQueue{n}"].GetProperty("QueueName").GetProperty("Fn::Sub").GetString());
            var redrive = queue.GetProperty("RedrivePolicy");
            Assert.Equal($"EventsDeadLetterQueue{n}", redrive.GetProperty("deadLetterTargetArn").GetProperty("Fn::GetAtt")[0].GetString());
            Assert.Equal("MaxReceiveCount", redrive.GetProperty("maxReceiveCount").GetProperty("Ref").GetString());
        }
    }

    [Fact]
    public void The_task_role_grants_what_the_providers_call_and_nothing_wider()
    {
        var statements = Resources.GetProperty("TaskRole").GetProperty("Properties").GetProperty("Policies")[0]
            .GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().ToList();
        var actions = statements.SelectMany(s => s.GetProperty("Action").EnumerateArray().Select(a => a.GetString()!)).ToHashSet();
        string[] needed =
        [
            // DynamoDB storage, clustering, reminders (providers/README.md, IAM)
            "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
            "dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:TransactWriteItems", "dynamodb:TransactGetItems",
            // SQS streams (the batch calls are authorised by the single-message actions)
            "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
            // S3 claim checks
            "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
        ];
        Assert.All(needed, a => Assert.Contains(a, actions));
        Assert.DoesNotContain(actions, a => a.EndsWith('*') || a.Contains("Create", StringComparison.Ordinal) || a.StartsWith("iam:", StringComparison.Ordinal));
        Assert.All(statements, s => Assert.False(
            s.GetProperty("Resource") is { ValueKind: JsonValueKind.String } resource && resource.GetString() == "*",
            $"statement {s.GetProperty("Sid").GetString()} grants on every resource"));
    }

    [Fact]
    public void Channel_secrets_are_wrapped_by_a_rotating_kms_key_the_task_may_only_generate_and_decrypt_with()
    {
        var key = Resources.GetProperty("SecretsKey");
        Assert.Equal("AWS::KMS::Key", key.GetProperty("Type").GetString());
        Assert.True(key.GetProperty("Properties").GetProperty("EnableKeyRotation").GetBoolean());
        Assert.Equal("SecretsKey", Environment()["SecurityCoach__Secrets__KmsKeyId"].GetProperty("Fn::GetAtt")[0].GetString());
        var statement = Assert.Single(Resources.GetProperty("TaskRole").GetProperty("Properties").GetProperty("Policies")[0]
            .GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray(), s => s.GetProperty("Sid").GetString() == "SecretsKey");
        Assert.Equal(["kms:GenerateDataKey", "kms:Decrypt"], statement.GetProperty("Action").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("SecretsKey", statement.GetProperty("Resource").GetProperty("Fn::GetAtt")[0].GetString());
    }

    [Fact]
    public void Orleans_ports_are_open_only_between_the_silos()
    {
        var inline = Resources.GetProperty("SiloSecurityGroup").GetProperty("Properties").GetProperty("SecurityGroupIngress").EnumerateArray().ToList();
        Assert.All(inline, rule => Assert.Equal(8080, rule.GetProperty("FromPort").GetInt32()));
        var ingress = OfType("AWS::EC2::SecurityGroupIngress").Select(r => r.Resource.GetProperty("Properties")).ToList();
        Assert.Equal([11111, 30000], ingress.Select(r => r.GetProperty("FromPort").GetInt32()).Order());
        Assert.All(ingress, r => Assert.Equal("SiloSecurityGroup", r.GetProperty("SourceSecurityGroupId").GetProperty("Ref").GetString()));
        Assert.All(ingress, r => Assert.False(r.TryGetProperty("CidrIp", out _)));
    }

    [Fact]
    public void The_bucket_is_private_encrypted_versioned_and_expires_what_it_may()
    {
        var bucket = Resources.GetProperty("Bucket").GetProperty("Properties");
        Assert.Equal("Enabled", bucket.GetProperty("VersioningConfiguration").GetProperty("Status").GetString());
        Assert.True(bucket.GetProperty("BucketEncryption").GetProperty("ServerSideEncryptionConfiguration").GetArrayLength() > 0);
        var block = bucket.GetProperty("PublicAccessBlockConfiguration");
        Assert.All(["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], k => Assert.True(block.GetProperty(k).GetBoolean()));
        var prefixes = bucket.GetProperty("LifecycleConfiguration").GetProperty("Rules").EnumerateArray()
            .Where(r => r.TryGetProperty("Prefix", out _)).Select(r => r.GetProperty("Prefix").GetString()).ToList();
        Assert.Contains("sqs-streams/", prefixes);
        Assert.Contains("grain-state/", prefixes);
    }

    [Fact]
    public void The_service_scales_on_cpu_and_logs_to_its_log_group()
    {
        var policy = OfType("AWS::ApplicationAutoScaling::ScalingPolicy").Single().Resource.GetProperty("Properties");
        Assert.Equal("ECSServiceAverageCPUUtilization", policy.GetProperty("TargetTrackingScalingPolicyConfiguration")
            .GetProperty("PredefinedMetricSpecification").GetProperty("PredefinedMetricType").GetString());
        Assert.Equal("LogGroup", Container.GetProperty("LogConfiguration").GetProperty("Options").GetProperty("awslogs-group").GetProperty("Ref").GetString());
        Assert.Equal("FARGATE", Resources.GetProperty("Service").GetProperty("Properties").GetProperty("LaunchType").GetString());
    }
}
