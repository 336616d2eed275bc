using DotNet.Testcontainers.Builders;
using Testcontainers.DynamoDb;

namespace Samples.Testing;

// Compiled only in the full build: Testcontainers needs a Docker client package that partial NuGet
// mirrors lack. Where no Docker engine answers, the jar is used instead.
public static partial class DynamoDbEndpoint
{
    static partial void AddContainerSource(List<Func<Task<Running?>>> sources) => sources.Add(StartContainerAsync);

    private static async Task<Running?> StartContainerAsync()
    {
        DynamoDbContainer container;
        try
        {
            // Build() already looks for a Docker endpoint and throws when there is none.
            container = new DynamoDbBuilder("amazon/dynamodb-local:3.3.0").Build();
            await container.StartAsync();
        }
        catch (DockerUnavailableException)
        {
            return null;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return new Running(container.GetConnectionString(), container);
    }
}
