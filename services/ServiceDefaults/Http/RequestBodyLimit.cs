using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Samples.ServiceDefaults.Http;

/// <summary>
/// Refuses request bodies over the service's limit with 413, before anything reads them. Kestrel has
/// its own limit, but in Lambda the body arrives whole in the event (up to API Gateway's 10 MB), so the
/// app enforces the limit itself, in every run mode alike.
/// </summary>
public sealed class RequestBodyLimit(RequestDelegate next, RequestBodyLimit.Options options)
{
    /// <summary>The service's limit, set through AddServiceDefaults.</summary>
    public sealed record Options(long MaxBytes);

    private readonly long maxBytes = options.MaxBytes;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > maxBytes)
        {
            await WriteTooLargeAsync(context);
            return;
        }

        if (request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            // Chunked body of unknown length: buffer up to the limit, and no further.
            var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    await WriteTooLargeAsync(context);
                    return;
                }

                buffer.Write(chunk, 0, read);
            }

            buffer.Position = 0;
            request.Body = buffer;
            request.ContentLength = buffer.Length;
            context.Response.RegisterForDispose(buffer);
        }

        await next(context);
    }

    private Task WriteTooLargeAsync(HttpContext context) =>
        Problems.Write(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
            $"The request body must be at most {maxBytes:N0} bytes.");
}
