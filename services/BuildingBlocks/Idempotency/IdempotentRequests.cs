using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Samples.BuildingBlocks.Authentication;
using Samples.BuildingBlocks.Http;

namespace Samples.BuildingBlocks.Idempotency;

/// <summary>
/// Idempotency-Key on the endpoints that opt in (<see cref="IdempotencySetup.WithIdempotencyKey"/>), with the IETF httpapi draft's
/// semantics. The first request with a key runs and its response (status, Location, ETag, Content-Type, body) is
/// stored with the key, scoped to the caller, for <see cref="IdempotencyOptions.Lifetime"/>; a retry with the same
/// key and body gets that response byte for byte; the same key with another body is a 422 problem; a retry while
/// the first still runs is a 409 problem with Retry-After. A 5xx is not an outcome: the key is freed and the retry
/// runs again, with the same write token, so a write that landed before the failure is found, not repeated.
/// Requests without the header run as they always did.
/// </summary>
public sealed class IdempotentRequests(RequestDelegate next, IdempotencyStore store, IOptions<IdempotencyOptions> options)
{
    /// <summary>Set on a response that is a stored one (Stripe's convention; the draft leaves it open).</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>The response headers a retry gets back; the rest (correlation id, caching) belong to each request.</summary>
    private static readonly string[] StoredHeaders = [HeaderNames.ContentType, HeaderNames.Location, HeaderNames.ETag];

    private readonly string service = options.Value.Scope;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IdempotentEndpoint>() is null || IdempotencyKey.Parse(context.Request) is not { } key)
        {
            await next(context);
            return;
        }

        var body = await ReadBodyAsync(context.Request);
        var recordKey = $"{service}#{context.User.Subject()}#{key}";
        switch (await store.ClaimAsync(recordKey, Fingerprint(context.Request, body), context.RequestAborted))
        {
            case KeyClaim.Held held:
                await RunAsync(context, held);
                break;
            case KeyClaim.Answered answered:
                await ReplayAsync(context.Response, answered.Response);
                break;
            case KeyClaim.Mismatch:
                await Problems.Write(context, StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                    "This Idempotency-Key was used for a different request. Use a new key for a new request.");
                break;
            case KeyClaim.InFlight inFlight:
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(inFlight.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Problems.Write(context, StatusCodes.Status409Conflict, "Request in progress",
                    "A request with this Idempotency-Key is still running. Retry after the time in Retry-After to get its response.");
                break;
        }
    }

    private async Task RunAsync(HttpContext context, KeyClaim.Held claim)
    {
        context.Features.Set(claim.Token);
        var response = context.Response;
        var original = response.Body;
        using var captured = new MemoryStream();
        response.Body = captured;
        try
        {
            await next(context);
        }
        catch
        {
            response.Body = original;
            await store.ReleaseAsync(claim);
            throw;
        }

        response.Body = original;
        if (response.StatusCode >= StatusCodes.Status500InternalServerError)
        {
            await store.ReleaseAsync(claim);
        }
        else
        {
            var headers = StoredHeaders
                .Where(name => response.Headers.ContainsKey(name))
                .ToDictionary(name => name, name => response.Headers[name].ToString(), StringComparer.OrdinalIgnoreCase);
            await store.CompleteAsync(claim, new StoredResponse(response.StatusCode, headers, captured.ToArray()), context.RequestAborted);
        }

        captured.Position = 0;
        await captured.CopyToAsync(original, context.RequestAborted);
    }

    private static async Task ReplayAsync(HttpResponse response, StoredResponse stored)
    {
        response.StatusCode = stored.Status;
        foreach (var (name, value) in stored.Headers)
        {
            response.Headers[name] = value;
        }

        response.Headers[ReplayedHeader] = "true";
        response.ContentLength = stored.Body.Length;
        await response.Body.WriteAsync(stored.Body, response.HttpContext.RequestAborted);
    }

    /// <summary>The body, read once (to its limit, see RequestBodyLimit) and put back for the endpoint to read.</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        var body = buffer.ToArray();
        request.Body = new MemoryStream(body, writable: false);
        return body;
    }

    /// <summary>What makes two requests the same request: the endpoint and the exact body.</summary>
    private static string Fingerprint(HttpRequest request, byte[] body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        hash.AppendData(body);
        return Convert.ToBase64String(hash.GetHashAndReset());
    }

    /// <summary>Marks an endpoint that honours Idempotency-Key.</summary>
    private sealed class IdempotentEndpoint
    {
        public static readonly IdempotentEndpoint Instance = new();
    }

    internal static TBuilder Mark<TBuilder>(TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(IdempotentEndpoint.Instance);
}

public static class IdempotencySetup
{
    /// <summary>Idempotency-Key support for the endpoints marked <see cref="WithIdempotencyKey"/>; records in the table "Idempotency:TableName" names.</summary>
    public static WebApplicationBuilder AddIdempotencyKeys(this WebApplicationBuilder builder)
    {
        var service = ServiceName.Of(builder.Environment);
        builder.Services.AddOptions<IdempotencyOptions>()
            .BindConfiguration(IdempotencyOptions.SectionName)
            .PostConfigure(options => options.Scope = string.IsNullOrWhiteSpace(options.Scope) ? service : options.Scope)
            .Validate(options => !string.IsNullOrWhiteSpace(options.TableName), "Idempotency:TableName is required (the template sets Idempotency__TableName).")
            .Validate(options => !string.IsNullOrWhiteSpace(options.Scope), "Idempotency:Scope is required: the service's key prefix in the shared table.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IdempotencyStore>();
        return builder;
    }

    /// <summary>This endpoint honours Idempotency-Key (POST creates). Needs <see cref="AddIdempotencyKeys"/>.</summary>
    public static TBuilder WithIdempotencyKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => IdempotentRequests.Mark(builder);
}
