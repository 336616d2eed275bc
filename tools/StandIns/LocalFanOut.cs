using System.Text;
using Amazon.Lambda.DynamoDBEvents;
using Amazon.Lambda.Serialization.SystemTextJson;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Samples.Chat;

namespace Samples.StandIns;

/// <summary>
/// Chat's fan-out function in this process, for `make run` and the tests, as the local event source mapping invokes
/// it: the event's JSON in, through the function's own source-generated serializer, and the answer's JSON out, so
/// the wire shape is the one Lambda uses. Its services are the function's (FanOutFunction.ConfigureServices).
/// </summary>
public sealed class LocalFanOut : IDisposable
{
    private readonly ServiceProvider services;
    private readonly SourceGeneratorLambdaJsonSerializer<FanOutJson> serializer = new();

    /// <param name="settings">The function's configuration: Chat:TableName, Chat:ConnectionsEndpoint, DynamoDB:ServiceUrl...</param>
    /// <param name="loggerFactory">Where its log lines go: the host's own logging.</param>
    public LocalFanOut(IEnumerable<KeyValuePair<string, string?>> settings, ILoggerFactory loggerFactory) =>
        services = FanOutFunction.ConfigureServices(new ServiceCollection(), new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), loggerFactory)
            .BuildServiceProvider();

    /// <summary>The function's services (what a test reads its metrics from).</summary>
    public IServiceProvider Services => services;

    /// <summary>One invocation; a failed one throws, as the runtime reports a function error.</summary>
    public async Task<string> InvokeAsync(string eventJson, CancellationToken cancellationToken)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(eventJson));
        var stream = serializer.Deserialize<DynamoDBEvent>(input);
        var response = await services.GetRequiredService<RoomFanOut>().HandleAsync(stream, cancellationToken);
        using var output = new MemoryStream();
        serializer.Serialize(response, output);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    public void Dispose() => services.Dispose();
}
