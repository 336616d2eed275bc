using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Samples.ServiceDefaults.Http;

/// <summary>
/// Gives every request one id that appears in its response (<c>X-Correlation-Id</c>), its problem details
/// and every log line it writes: the caller's own id when it sent a well-formed one, else API Gateway's
/// request id, else ASP.NET Core's trace identifier.
/// </summary>
public sealed class CorrelationId(RequestDelegate next, ILogger<CorrelationId> logger)
{
    public const string HeaderName = "X-Correlation-Id";
    public const string LogKey = "correlation_id";
    private const int MaxLength = 128;
    private static readonly object ItemKey = new();

    // Ids end up in logs: accept only characters that cannot forge a log line or a header.
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:");

    /// <summary>The request's id, decided on first use and the same for the rest of the request.</summary>
    public static string Of(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var known) && known is string value)
        {
            return value;
        }

        var id = FromCaller(context.Request.Headers[HeaderName])
            ?? context.Items[LambdaHosting.GatewayRequestIdItem] as string
            ?? context.TraceIdentifier;
        context.Items[ItemKey] = id;
        return id;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var id = Of(context);
        // Set as the response starts, not now: the exception handler clears the headers of a failed
        // response before it writes its problem (400s from binding, 413, 415, 500...).
        context.Response.OnStarting(WriteResponseHeaders, context);

        using (logger.BeginScope(new KeyValuePair<string, object>[] { new(LogKey, id) }))
        {
            await next(context);
        }
    }

    /// <summary>
    /// The headers every response carries: its correlation id, no MIME sniffing, and no caching unless the
    /// endpoint chose otherwise (responses are per caller: profiles, and anything behind a token).
    /// </summary>
    private static Task WriteResponseHeaders(object state)
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        headers[HeaderName] = Of(context);
        headers.XContentTypeOptions = "nosniff";
        if (string.IsNullOrEmpty(headers.CacheControl))
        {
            headers.CacheControl = "no-store";
        }

        return Task.CompletedTask;
    }

    private static string? FromCaller(string? header) =>
        header is { Length: > 0 and <= MaxLength } && !header.AsSpan().ContainsAnyExcept(Allowed) ? header : null;
}
