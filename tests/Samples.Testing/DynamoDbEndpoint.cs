using System.Net;
using Amazon.DynamoDBv2;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using Samples.StandIns;

namespace Samples.Testing;

/// <summary>
/// The one DynamoDB Local of a test run, started on first use and shared by every test class (each
/// class makes its own uniquely named tables, so classes run in parallel). Where it comes from, first
/// match wins: DYNAMODB_ENDPOINT; a Testcontainers container when a Docker engine answers; Amazon's
/// DynamoDB Local jar from node_modules, run with Java. None of these: the tests fail, saying how to
/// provide one. They never skip.
/// </summary>
public static class DynamoDbEndpoint
{
    /// <summary>The image the container path runs: the same DynamoDB Local release as the npm jar.</summary>
    public const string Image = "amazon/dynamodb-local:3.3.0";

    private const int Port = 8000;
    private static readonly Lazy<Task<Running>> Shared = new(StartAsync);

    /// <summary>Where this run's DynamoDB Local came from.</summary>
    public enum Source
    {
        Environment,
        Container,
        Jar,
    }

    public static async Task<string> UrlAsync() => (await Shared.Value).Url;

    public static async Task<Source> SourceAsync() => (await Shared.Value).From;

    public static async Task<IAmazonDynamoDB> ClientAsync() => DynamoDbLocal.Client(await UrlAsync());

    /// <summary>Starts DynamoDB Local in a container; null when no Docker engine answers.</summary>
    public static async Task<(string Url, IContainer Container)?> TryStartContainerAsync()
    {
        IContainer container;
        try
        {
            // Build() looks for a Docker endpoint and throws DockerUnavailableException when there is none.
            container = new ContainerBuilder(Image)
                .WithCommand("-jar", "DynamoDBLocal.jar", "-inMemory", "-sharedDb")
                .WithPortBinding(Port, assignRandomHostPort: true)
                // DynamoDB Local answers an unsigned GET with 400: it is up.
                .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(request => request.ForPort(Port).ForStatusCode(HttpStatusCode.BadRequest)))
                .Build();
        }
        catch (DockerUnavailableException)
        {
            return null;
        }

        await container.StartAsync();
        return ($"http://{container.Hostname}:{container.GetMappedPublicPort(Port)}", container);
    }

    private static async Task<Running> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("DYNAMODB_ENDPOINT") is { Length: > 0 } endpoint)
        {
            return new Running(endpoint, Source.Environment);
        }

        if (await TryStartContainerAsync() is var (url, container))
        {
            DisposeOnExit(container);
            return new Running(url, Source.Container);
        }

        if (DynamoDbLocal.FindJar() is null)
        {
            throw new InvalidOperationException(DynamoDbLocal.MissingMessage);
        }

        var local = await DynamoDbLocal.StartAsync();
        DisposeOnExit(local);
        return new Running(local.ServiceUrl, Source.Jar);
    }

    private static void DisposeOnExit(IAsyncDisposable owner) =>
        AppDomain.CurrentDomain.ProcessExit += (_, _) => owner.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed record Running(string Url, Source From);
}
