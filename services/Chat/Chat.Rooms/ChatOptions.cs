using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Data;

namespace Samples.Chat.Rooms;

/// <summary>Bound from the "Chat" section (env: Chat__TableName, Chat__ConnectionsEndpoint...).</summary>
public sealed class ChatOptions : TableServiceOptions
{
    public const string SectionName = "Chat";

    /// <summary>
    /// Where replies are posted: the WebSocket API's Management API endpoint,
    /// https://{api-id}.execute-api.{region}.amazonaws.com/{stage} (the template sets it), or the local stand-in
    /// gateway's, which is posted to with plain HTTP and the <see cref="IntegrationKey"/>.
    /// </summary>
    [Required]
    public Uri? ConnectionsEndpoint { get; set; }

    /// <summary>
    /// Outside Lambda only: the key the gateway's HTTP integration sends with each event and post
    /// (<see cref="IntegrationHeaders.Key"/>). Unset: no event is accepted.
    /// </summary>
    public string? IntegrationKey { get; set; }

    /// <summary>The room messages' table (the template's MessagesTable).</summary>
    [Required]
    public string MessagesTableName { get; set; } = "";

    /// <summary>How many days a message is kept (the MessagesTable's TTL): the template's MessageRetentionDays.</summary>
    [Range(1, 3650)]
    public int MessageRetentionDays { get; set; } = 7;

    /// <summary>How many messages a connection may send per second, on average (its token bucket's refill rate).</summary>
    [Range(0.01, 1000)]
    public double SendRatePerSecond { get; set; } = 5;

    /// <summary>How many messages a connection may send at once after a quiet spell (its token bucket's size).</summary>
    [Range(1, 1000)]
    public int SendBurst { get; set; } = 10;

    /// <summary>
    /// How many connections one user may hold open at once (tabs, devices); the next is refused. The user's item
    /// holds an entry per connection, so DynamoDB's 400 KB item limit bounds it near 10,000.
    /// </summary>
    [Range(1, 10000)]
    public int MaxConnectionsPerUser { get; set; } = 5;

    /// <summary>How many connections of a room one page of the room index holds: a delivery goes a page at a time.</summary>
    [Range(1, 10000)]
    public int DeliveryPageSize { get; set; } = 1000;

    /// <summary>
    /// How many connections a broadcast posts to at once. At 64 and the milliseconds a post takes, one fan-out sends
    /// some thousands of posts a second: a 5,000-member room in about a second (docs/performance.md), within the
    /// account's API Gateway throttle (10,000 requests a second, bursts of 5,000, shared by every API of the account in
    /// the Region), which a throttled post is retried under (ManagementApiMessenger). docs/chat-scale.md says when to
    /// lower it.
    /// </summary>
    [Range(1, 1000)]
    public int BroadcastParallelism { get; set; } = 64;

    /// <summary>
    /// How long one post to one connection may take, its retries included, before the broadcast gives up on it: more
    /// than the Management API client's attempts and backoff take (ManagementApiMessenger), so that a throttled post is
    /// retried rather than lost, and short enough that a stuck endpoint holds one of the broadcast's slots only briefly.
    /// </summary>
    public TimeSpan PostTimeout { get; set; } = TimeSpan.FromSeconds(4);
}

/// <summary>Checks the options' attributes at start-up; the code is generated at compile time (no reflection).</summary>
[OptionsValidator]
public sealed partial class ChatOptionsValidator : IValidateOptions<ChatOptions>;
