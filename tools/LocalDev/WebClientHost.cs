using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace Samples.LocalDev;

/// <summary>
/// Serves the browser client (web/) on http://localhost:3000, the origin the template's AllowedOrigins and the
/// local services' CORS settings allow, with a config.json that points it at this stack, and the headers the
/// stack's CloudFront distribution sends (EnableWebClient, its response-headers policy): a strict
/// Content-Security-Policy whose connect-src is exactly this stack's API, Cognito and WebSocket origins.
/// </summary>
public sealed class WebClientHost(WebApplication app) : IAsyncDisposable
{
    public const int Port = 3000;

    public static Uri Url { get; } = new($"http://localhost:{Port}/");

    public static async Task<WebClientHost> StartAsync(WebClientConfig config, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder().WithoutServerBanner();
        builder.WebHost.UseKestrelCore().UseUrls($"http://localhost:{Port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseResponseHeaders(config.ResponseHeaders());
        var files = new PhysicalFileProvider(Path.Combine(RepositoryLayout.Root, "web"));
        app.MapGet("/config.json", () => Results.Json(config, WebClientConfig.Json));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        await app.StartAsync(cancellationToken);
        return new WebClientHost(app);
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

/// <summary>
/// web/config.json: where the client finds Cognito and the APIs (a deployed stack's outputs, or these). The
/// page leaves out the profile or chat section when its URL is null (a copy made without that service).
/// </summary>
public sealed record WebClientConfig(string Region, string CognitoEndpoint, string ClientId, string ProductsUrl)
{
    public string? UsersUrl { get; init; }

    public string? ChatUrl { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Every header the page is served with: the cloud's, with this stack's origins in connect-src.</summary>
    public IReadOnlyDictionary<string, string> ResponseHeaders() => SecurityHeaders.ForWebClient(
        new[] { CognitoEndpoint, ProductsUrl, UsersUrl, ChatUrl }
            .Where(url => !string.IsNullOrEmpty(url))
            .Select(url => new Uri(url!).GetLeftPart(UriPartial.Authority)));
}
