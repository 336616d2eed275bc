using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Samples.BuildingBlocks.Idempotency;
using Samples.BuildingBlocks.Observability;
using Samples.ServiceDefaults.Authentication;
using Samples.ServiceDefaults.Data;
using Samples.ServiceDefaults.Http;
using Samples.ServiceDefaults.Json;
using Samples.ServiceDefaults.Logging;
using Samples.ServiceDefaults.Observability;

namespace Samples.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>The largest request body a service accepts unless it says otherwise; larger ones get 413.</summary>
    public const long DefaultMaxRequestBodyBytes = 64 * 1024;

    /// <summary>
    /// How long a request may take before it answers 503 (see DependencyFailureHandler): three DynamoDB attempts of
    /// 1.5 s and the backoff between them fit; API Gateway's 29 s is far off.
    /// </summary>
    public static readonly TimeSpan DefaultRequestDeadline = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Everything a service shares with the others: JSON logs, authentication, problem details, strict
    /// JSON, DynamoDB, OpenAPI and health. Lambda hosting is the service's own line (LambdaHosting.cs).
    /// </summary>
    /// <param name="builder">The service's builder.</param>
    /// <param name="maxRequestBodyBytes">The largest request body; larger ones get 413 (see RequestBodyLimit).</param>
    /// <param name="requestDeadline">The request's time budget; <see cref="DefaultRequestDeadline"/> unless the service needs longer.</param>
    public static WebApplicationBuilder AddServiceDefaults(
        this WebApplicationBuilder builder, long maxRequestBodyBytes = DefaultMaxRequestBodyBytes, TimeSpan? requestDeadline = null)
    {
        StartupMarks.Mark("builder created");
        builder.Services.AddSingleton(new RequestBodyLimit.Options(maxRequestBodyBytes));
        DependencyFailureHandler.AddRequestDeadline(builder.Services, requestDeadline ?? DefaultRequestDeadline);
        // No "Server: Kestrel" banner: it tells an attacker what to look up, and nobody else needs it.
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);
        var service = BuildingBlocks.ServiceName.Of(builder.Environment);
        builder.AddJsonLogging(service);
        builder.Services.AddSingleton(provider => new BusinessMetrics(provider.GetRequiredService<IMeterFactory>(), service));

        var services = builder.Services;
        services.AddGatewayAuthentication();
        services.AddDynamoDb();
        services.AddSingleton(TimeProvider.System);
        // Bearer tokens need no data protection keys: an ephemeral provider, and the key ring the framework still
        // creates at start kept in memory, unencrypted because it never leaves the process (Http/InMemoryKeyRing.cs).
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.Configure<KeyManagementOptions>(keys =>
        {
            keys.XmlRepository = new InMemoryKeyRing();
            keys.XmlEncryptor = new NullXmlEncryptor();
        });
        // Nor is a key generated while the host starts (the framework's DataProtectionHostedService does that): it is
        // work no request uses, about 5 ms of a Native AOT cold start (docs/performance.md). A first use would create it.
        foreach (var keyAtStart in services.Where(descriptor => descriptor.ServiceType == typeof(IHostedService)
            && descriptor.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService").ToList())
        {
            services.Remove(keyAtStart);
        }
        services.AddOpenApi();
        services.AddHealthChecks();

        // Origins allowed to call from a browser (env: Cors__AllowedOrigins, comma-separated). HTTP APIs add
        // CORS headers at the gateway; REST proxy integrations pass the app's headers through.
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IConfiguration>((cors, configuration) => cors.AddDefaultPolicy(policy => policy
            .WithOrigins(configuration["Cors:AllowedOrigins"]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [])
            .WithMethods("GET", "POST", "PUT", "DELETE")
            .WithHeaders("Authorization", "Content-Type", "If-Match", IdempotencyKey.HeaderName, "X-Correlation-Id", "X-Api-Key")
            .WithExposedHeaders("ETag", "Location", "Retry-After", "X-Correlation-Id", IdempotentRequests.ReplayedHeader)
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));

        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions["correlationId"] = CorrelationId.Of(context.HttpContext);
            if (context.ProblemDetails is HttpValidationProblemDetails validation)
            {
                // Name fields as the JSON body does (camelCase), whether a validator reported the .NET
                // member name ("Price") or the JSON path ("tags[0]").
                validation.Errors = validation.Errors
                    .GroupBy(error => JsonNamingPolicy.CamelCase.ConvertName(error.Key))
                    .ToDictionary(group => group.Key, group => group.SelectMany(error => error.Value).ToArray());
            }
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<DependencyFailureHandler>();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

        services.Configure<JsonOptions>(options =>
        {
            // Strict input: unknown fields, duplicate fields and numbers sent as strings are 400s.
            var json = options.SerializerOptions;
            json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            json.AllowDuplicateProperties = false;
            json.NumberHandling = JsonNumberHandling.Strict;
            json.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            // Numbers are stored as sent or refused, never silently rounded.
            json.Converters.Add(new ExactDecimalConverter());
            json.TypeInfoResolverChain.Add(ProblemExtensionsJson.Default);
        });

        StartupMarks.Mark("service defaults added");
        return builder;
    }

    /// <summary>The shared middleware, in order, and the health and OpenAPI endpoints.</summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        StartupMarks.Mark("host built");
        app.UseStartupPipelineMarks();
        // The correlation id comes first, so that every log line of a request (routing's too) carries it;
        // routing is placed explicitly after it, since WebApplication would otherwise put it first.
        app.UseMiddleware<CorrelationId>();
        app.UseMiddleware<RequestLog>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimit>();
        app.UseRouting();
        app.UseStartupMark("routed");
        app.UseRequestTimeouts();
        app.UseCors();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseStartupMark("authorized");
        if (app.Services.GetService<IdempotencyStore>() is not null)
        {
            app.UseMiddleware<IdempotentRequests>();
        }

        app.UseStartupMark("endpoint reached");

        // Operational endpoints for local runs and tooling; the API Gateway routes in
        // infra/template.yaml do not expose them.
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthReportWriter.WriteAsync }).AllowAnonymous().WithMetadata(LocalOnlyEndpoint.Instance);
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous().WithMetadata(LocalOnlyEndpoint.Instance);
        return app;
    }

    /// <summary>
    /// The local log provider: JSON lines on the console. In Lambda the provider is Powertools, which
    /// <see cref="LambdaHosting.AddLambdaHosting"/> sets up; each leaves the other's environment alone, so the order of
    /// the two calls in Program.cs does not matter.
    /// </summary>
    private static void AddJsonLogging(this WebApplicationBuilder builder, string service)
    {
        if (LambdaHosting.IsRunningInLambda)
        {
            return;
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(options => options.FormatterName = JsonLogFormatter.FormatterName);
        // What AddConsoleFormatter<,> does, minus binding the formatter's options from configuration by
        // reflection (not trim-safe); the one option is set here.
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, JsonLogFormatter>());
        builder.Services.Configure<JsonLogFormatterOptions>(options => options.Service = service);
    }
}

/// <summary>Marks endpoints the app serves that are deliberately not API Gateway routes.</summary>
public sealed class LocalOnlyEndpoint
{
    public static readonly LocalOnlyEndpoint Instance = new();

    private LocalOnlyEndpoint()
    {
    }
}

