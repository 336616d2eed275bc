using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Samples.BuildingBlocks.Http;

namespace Samples.ServiceDefaults.Http;

/// <summary>
/// Holds request bodies to the service's limit, with a 413 problem, the same way whatever the encoding and
/// wherever the app runs: a body of exactly the limit is read, one byte more is refused. A declared
/// Content-Length over it is refused before anything reads the body (in Lambda the body arrives whole in the
/// event and the hosting library always sets the length). A body without one (chunked) is counted as it is
/// read, and the read that passes the limit throws the 413 that <see cref="BadRequestExceptionHandler"/>
/// answers: the server's own limit is not relied on, since Kestrel's and the test host's differ.
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

        if (context.Request.ContentLength is null)
        {
            context.Request.Body = new CountedBody(context.Request.Body, maxBytes);
        }

        // The server's limit no longer decides (Kestrel's default would refuse a chunked body at 30 MB, ours first).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } serverLimit)
        {
            serverLimit.MaxRequestBodySize = null;
        }

        return next(context);
    }

    /// <summary>A read-only body that throws 413 on the read that takes it past the limit.</summary>
    private sealed class CountedBody(Stream inner, long maxBytes) : Stream
    {
        private long read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int count)
        {
            read += count;
            return read > maxBytes
                ? throw new BadHttpRequestException($"The request body must be at most {maxBytes:N0} bytes.", StatusCodes.Status413PayloadTooLarge)
                : count;
        }
    }
}
