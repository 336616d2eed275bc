namespace Samples.ServiceDefaults.Tests;

/// <summary>Where the tests' DynamoDB Local comes from: a container when Docker answers, else the jar.</summary>
public sealed class DynamoDbEndpointTests
{
    [Fact]
    public async Task The_run_uses_a_container_when_a_Docker_engine_answers_and_the_jar_when_none_does()
    {
        var source = await DynamoDbEndpoint.SourceAsync();
        var container = await DynamoDbEndpoint.TryStartContainerAsync();
        if (container is { } started)
        {
            await started.Container.DisposeAsync();
        }

        var expected = Environment.GetEnvironmentVariable("DYNAMODB_ENDPOINT") is { Length: > 0 } ? DynamoDbEndpoint.Source.Environment
            : container is null ? DynamoDbEndpoint.Source.Jar
            : DynamoDbEndpoint.Source.Container;
        Assert.Equal(expected, source);

        using var client = await DynamoDbEndpoint.ClientAsync();
        Assert.NotNull((await client.ListTablesAsync(TestContext.Current.CancellationToken)).TableNames);
    }
}
