using Amazon.DynamoDBv2.Model;
using Microsoft.AspNetCore.Http;

namespace Samples.BuildingBlocks.Data;

/// <summary>
/// A token unique to one request (to every retry of one Idempotency-Key, when the client sent one), written
/// with every conditional write. When a write's first attempt lands but its answer is lost, the SDK retries
/// and the condition fails on the item that attempt wrote; that item holding this token proves the write was
/// ours, and the request answers the success it was instead of a 409, 412 or 404. A handler takes it as a
/// parameter; it is a time-ordered UUID (v7) as 32 lower-case hex digits.
/// </summary>
public sealed record WriteToken(string Value)
{
    /// <summary>The item attribute that holds the token of the write that left the item as it is.</summary>
    public const string Attribute = "writeToken";

    public static WriteToken New(DateTimeOffset now) => new(Guid.CreateVersion7(now).ToString("N"));

    /// <summary>The request's token: the one its Idempotency-Key holds, else a new one, the same for the rest of the request.</summary>
    public static WriteToken Of(HttpContext context)
    {
        if (context.Features.Get<WriteToken>() is { } token)
        {
            return token;
        }

        token = New(TimeProvider.System.GetUtcNow());
        context.Features.Set(token);
        return token;
    }

    public static ValueTask<WriteToken> BindAsync(HttpContext context) => ValueTask.FromResult(Of(context));

    /// <summary>True when <paramref name="item"/> (as a refused write found it) was last written with this token.</summary>
    public bool Wrote(Dictionary<string, AttributeValue>? item) =>
        item is not null && item.TryGetValue(Attribute, out var stored) && stored.S == Value;

    public AttributeValue ToAttribute() => new() { S = Value };
}
