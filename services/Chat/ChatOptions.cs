using Samples.ServiceDefaults.Data;

namespace Samples.Chat;

/// <summary>Bound from the "Chat" section (env: Chat__TableName).</summary>
public sealed class ChatOptions : TableServiceOptions
{
    public const string SectionName = "Chat";

    /// <summary>How many connections a broadcast posts to at once.</summary>
    public int BroadcastParallelism { get; set; } = 32;

    /// <summary>How long one post to one connection may take before the broadcast gives up on it.</summary>
    public TimeSpan PostTimeout { get; set; } = TimeSpan.FromSeconds(3);
}

public static class ChatServiceCollectionExtensions
{
    public static IServiceCollection AddChat(this IServiceCollection services)
    {
        services.AddTableServiceOptions<ChatOptions>(ChatOptions.SectionName);
        services.AddSingleton<ConnectionRepository>();
        services.AddSingleton<Broadcaster>();
        services.AddSingleton<ChatAuthorizer>(provider => ChatAuthorizer.FromJwtBearer(provider));
        services.AddConnectionMessenger();
        services.AddLocalWebSocketGateway();
        services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ChatJson.Default));
        return services;
    }
}
