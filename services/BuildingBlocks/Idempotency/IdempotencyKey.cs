using System.Buffers;
using Microsoft.AspNetCore.Http;
using Samples.BuildingBlocks.Http;

namespace Samples.BuildingBlocks.Idempotency;

/// <summary>
/// The Idempotency-Key request header (IETF httpapi draft): a Structured Field String such as
/// <c>"8e03978e-40d5-43e8-bc93-6894a57f9324"</c>. Its content is 1 to 255 printable ASCII characters; the
/// same characters sent unquoted (as many clients do) are the same key. Anything else is a 400 problem.
/// </summary>
public static class IdempotencyKey
{
    public const string HeaderName = "Idempotency-Key";
    public const int MaxLength = 255;

    /// <summary>Printable ASCII minus the two a String escapes: a key needs no escapes, and refusing them keeps one spelling per key.</summary>
    private static readonly SearchValues<char> Quoted = SearchValues.Create(
        [.. Enumerable.Range(0x20, 0x7F - 0x20).Select(c => (char)c).Where(c => c is not '"' and not '\\')]);

    /// <summary>An unquoted key: what a token or a UUID is made of, no spaces, no separators that read as syntax.</summary>
    private static readonly SearchValues<char> Bare = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:~+/=");

    /// <returns>The key, or null when the request has no Idempotency-Key header.</returns>
    /// <exception cref="ProblemException">400: more than one header, or a value that is not one key.</exception>
    public static string? Parse(HttpRequest request)
    {
        var values = request.Headers[HeaderName];
        if (values.Count == 0)
        {
            return null;
        }

        var value = values.Count == 1 ? values[0]?.Trim(' ', '\t') : null;
        var key = value switch
        {
            ['"', .. var inner, '"'] => inner.Length > 0 && !inner.AsSpan().ContainsAnyExcept(Quoted) ? inner : null,
            { Length: > 0 } bare => !bare.AsSpan().ContainsAnyExcept(Bare) ? bare : null,
            _ => null,
        };
        return key is { Length: <= MaxLength }
            ? key
            : throw new ProblemException(StatusCodes.Status400BadRequest, "Invalid Idempotency-Key header",
                $"Idempotency-Key must be one key of 1 to {MaxLength} printable ASCII characters, sent once, preferably quoted: \"0f8fad5b-d9cb-469f-a165-70867728950e\".");
    }
}
