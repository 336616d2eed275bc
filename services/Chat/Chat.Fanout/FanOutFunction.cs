using System.Text.Json.Serialization;
using Amazon.Lambda.Core;
using Amazon.Lambda.DynamoDBEvents;
using Amazon.Lambda.RuntimeSupport;
using Amazon.Lambda.Serialization.SystemTextJson;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Samples.Chat.Rooms;
using Samples.ServiceDefaults;
using Samples.ServiceDefaults.Data;

namespace Samples.Chat.Fanout;

/// <summary>
/// The fan-out's Lambda entry point (Handler: Chat.Fanout): a batch of the MessagesTable's stream records in, the
/// records to retry out (ReportBatchItemFailures). A thin adapter over <see cref="RoomFanOut"/>.
/// </summary>
public static class FanOutFunction
{
    // Source-generated (de)serialization: the same code runs in the managed runtime and as a Native AOT binary.
    private static readonly SourceGeneratorLambdaJsonSerializer<FanOutJson> Serializer = new();

    // Built once per execution environment: the DynamoDB and Management API clients keep their connections warm.
    private static readonly ServiceProvider Services = ConfigureServices(new ServiceCollection()).BuildServiceProvider();

    public static async Task Main()
    {
        // The options are checked now, at start-up, not at the first delivery: a version with bad configuration never
        // takes traffic (its PreTraffic hook's empty batch fails).
        _ = Services.GetRequiredService<IOptions<ChatOptions>>().Value;

        using var bootstrap = LambdaBootstrapBuilder
            .Create((Stream input, ILambdaContext context) => WorkerFunction.InvokeAsync(Services, context, cancellationToken => InvokeAsync(Services, input, cancellationToken)))
            .Build();
        await bootstrap.RunAsync();
    }

    /// <summary>
    /// One invocation: the event's JSON in, the answer's JSON out, through the function's own serializer. What Main gives
    /// the runtime, and what a local host invokes with the services it configured (the event source mapping stand-in of
    /// `make run` and the tests), so the wire shape and the code are Lambda's in both.
    /// </summary>
    public static async Task<Stream> InvokeAsync(IServiceProvider services, Stream input, CancellationToken cancellationToken)
    {
        var stream = Serializer.Deserialize<DynamoDBEvent>(input);
        var response = await services.GetRequiredService<RoomFanOut>().HandleAsync(stream, cancellationToken);
        var output = new MemoryStream();
        Serializer.Serialize(response, output);
        output.Position = 0;
        return output;
    }

    /// <summary>
    /// Chat's delivery services, configured as the Chat function's are (Chat__TableName, Chat__ConnectionsEndpoint...):
    /// from the environment in Lambda, from <paramref name="configuration"/> where a local host runs the fan-out.
    /// </summary>
    public static IServiceCollection ConfigureServices(IServiceCollection services, IConfiguration? configuration = null, ILoggerFactory? loggerFactory = null)
    {
        services.AddWorkerDefaults("chat-fanout", configuration, loggerFactory);
        services.AddTableServiceOptions<ChatOptions, ChatOptionsValidator>(ChatOptions.SectionName, (options, section) => section.Bind(options));
        services.AddSingleton(provider => IConnectionMessenger.For(provider.GetRequiredService<IOptions<ChatOptions>>().Value));
        services.AddSingleton<ConnectionRepository>();
        services.AddSingleton<PresenceRepository>();
        services.AddSingleton<StaleConnections>();
        services.AddSingleton<Broadcaster>();
        services.AddSingleton<RoomFanOut>();
        return services;
    }
}

/// <summary>The stream's event and the answer, for the source-generated Lambda serializer.</summary>
[JsonSerializable(typeof(DynamoDBEvent))]
[JsonSerializable(typeof(StreamsEventResponse))]
public sealed partial class FanOutJson : JsonSerializerContext;
