using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Samples.ServiceDefaults.Http;

/// <summary>
/// Holds request bodies to the service's limit, with a 413 problem. A declared Content-Length over it is
/// refused before anything reads the body: in Lambda the body arrives whole in the event (up to API
/// Gateway's 10 MB) and the hosting library always sets the length, so this is the check that holds there.
/// On a server (Kestrel) the limit also becomes the server's own for this request, which stops a chunked
/// body as it is read (BadHttpRequestException 413, answered by <see cref="BadRequestExceptionHandler"/>).
/// </summary>
public sealed class RequestBodyLimit(RequestDelegate next, RequestBodyLimit.Options options)
{
    /// <summary>The service's limit, set through AddServiceDefaults.</summary>
    public sealed record Options(long MaxBytes);

    private readonly long maxBytes = options.MaxBytes;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return Problems.Write(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"The request body must be at most {maxBytes:N0} bytes.");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } serverLimit)
        {
            serverLimit.MaxRequestBodySize = maxBytes;
        }

        return next(context);
    }
}
