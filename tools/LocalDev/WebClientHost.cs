using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace Samples.LocalDev;

/// <summary>
/// Serves the browser client (web/) on http://localhost:3000, the origin the template's AllowedOrigins and the
/// local services' CORS settings allow, with a config.json that points it at this stack. In AWS any static host
/// does the same job (README, "The browser client").
/// </summary>
public sealed class WebClientHost(WebApplication app) : IAsyncDisposable
{
    public const int Port = 3000;

    public static Uri Url { get; } = new($"http://localhost:{Port}/");

    public static async Task<WebClientHost> StartAsync(WebClientConfig config, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelCore().UseUrls($"http://localhost:{Port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
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
}
