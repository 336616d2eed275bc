using Amazon.DynamoDBv2;
using Samples.LocalDev;

namespace Samples.Testing;

/// <summary>
/// The one DynamoDB Local of a test run, started on first use and shared by every test class (each
/// class makes its own uniquely named tables, so classes run in parallel). Where it comes from, first
/// match wins: DYNAMODB_ENDPOINT; Testcontainers' DynamoDB module when it is compiled in and a Docker
/// engine answers; Amazon's DynamoDB Local jar from node_modules, run with Java. None of these: the
/// tests fail, saying how to provide one. They never skip.
/// </summary>
public static partial class DynamoDbEndpoint
{
    private static readonly Lazy<Task<Running>> Shared = new(StartAsync);

    public static async Task<string> UrlAsync() => (await Shared.Value).Url;

    public static async Task<IAmazonDynamoDB> ClientAsync() => DynamoDbLocal.Client(await UrlAsync());

    private static async Task<Running> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("DYNAMODB_ENDPOINT") is { Length: > 0 } endpoint)
        {
            return new Running(endpoint, null);
        }

        var sources = new List<Func<Task<Running?>>>();
        AddContainerSource(sources);
        foreach (var source in sources)
        {
            if (await source() is { } running)
            {
                return running;
            }
        }

        if (DynamoDbLocal.FindJar() is null)
        {
            throw new InvalidOperationException(DynamoDbLocal.MissingMessage);
        }

        var local = await DynamoDbLocal.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => local.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return new Running(local.ServiceUrl, local);
    }

    /// <summary>Implemented in DynamoDbEndpoint.Testcontainers.cs, which RestrictedFeed builds leave out.</summary>
    static partial void AddContainerSource(List<Func<Task<Running?>>> sources);

    private sealed record Running(string Url, IAsyncDisposable? Owner);
}
