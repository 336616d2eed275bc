using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Samples.StandIns;

/// <summary>What the local hosts send with every response, as their cloud counterparts do: no Server banner, and the headers given.</summary>
public static class SecurityHeaders
{
    /// <summary>Kestrel without its "Server: Kestrel" banner: it tells an attacker what to look up, and nobody else needs it.</summary>
    public static WebApplicationBuilder WithoutServerBanner(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        return builder;
    }

    /// <summary>
    /// The browser client's headers, the same in the cloud (infra/template.yaml, WebClientHeadersPolicy; a template
    /// test compares them): its own files only, no inline script or style, no framing, no referrer, and connections
    /// only to <paramref name="connectSources"/> (where config.json points) besides its own origin.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ForWebClient(IEnumerable<string> connectSources) => new Dictionary<string, string>
    {
        ["Content-Security-Policy"] = $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src {string.Join(' ', connectSources.Prepend("'self'").Distinct(StringComparer.Ordinal))}; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ["X-Content-Type-Options"] = "nosniff",
        ["X-Frame-Options"] = "DENY",
        ["Referrer-Policy"] = "no-referrer",
    };

    /// <summary>Sets <paramref name="headers"/> on every response, errors and 426s included.</summary>
    public static IApplicationBuilder UseResponseHeaders(this IApplicationBuilder app, IReadOnlyDictionary<string, string> headers) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                foreach (var (name, value) in headers)
                {
                    context.Response.Headers[name] = value;
                }

                return Task.CompletedTask;
            });
            return next(context);
        });
}
