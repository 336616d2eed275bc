using System.Diagnostics.CodeAnalysis;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Observability;

namespace Samples.ServiceDefaults.Data;

public static class DynamoDbSetup
{
    /// <summary>
    /// One low-level client for the process (it is thread-safe and keeps its connections warm).
    /// In Lambda it uses the default region and credential chain; with a ServiceUrl it talks to
    /// DynamoDB Local, which accepts any credentials, so none are looked up.
    /// </summary>
    internal static IServiceCollection AddDynamoDb(this IServiceCollection services)
    {
        services.AddOptions<DynamoDbOptions>().BindConfiguration(DynamoDbOptions.SectionName);
        services.AddSingleton<IAmazonDynamoDB>(provider => StartupMarks.Observe(CreateClient(provider)));
        return services;
    }

    private static AmazonDynamoDBClient CreateClient(IServiceProvider provider)
    {
        StartupMarks.Mark("DynamoDB client requested");
        var options = provider.GetRequiredService<IOptions<DynamoDbOptions>>().Value;
        var config = new AmazonDynamoDBConfig
        {
            // Fail fast: a request whose table cannot be reached answers 503 in seconds (see
            // DependencyFailureHandler), well inside API Gateway's 29 s, instead of hanging.
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = options.MaxRetries,
            Timeout = options.AttemptTimeout,
            ConnectTimeout = options.ConnectTimeout,
            // An HttpClientFactory in the container is the client's: a proxy, or a test's fault injection.
            HttpClientFactory = provider.GetService<HttpClientFactory>(),
        };
        if (string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            return new AmazonDynamoDBClient(config);
        }

        config.ServiceURL = options.ServiceUrl;
        config.AuthenticationRegion = options.Region;
        return new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), config);
    }

    /// <summary>
    /// Primes the client at start-up with a DescribeTable of <paramref name="tableName"/>, and reports the
    /// table in /health: DynamoDB unreachable or the table missing makes the service Unhealthy.
    /// </summary>
    public static IServiceCollection AddDynamoDbWarmup(this IServiceCollection services, Func<IServiceProvider, string> tableName)
    {
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            "dynamodb",
            provider => new DynamoDbHealthCheck(provider.GetRequiredService<IAmazonDynamoDB>(), tableName(provider)),
            failureStatus: HealthStatus.Unhealthy,
            tags: null,
            // Inside the request's 5 s deadline, so that /health answers its own problem naming the table.
            timeout: TimeSpan.FromSeconds(3)));
        return services.AddHostedService(provider => new DynamoDbWarmup(
            provider.GetRequiredService<IAmazonDynamoDB>(),
            tableName(provider),
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DynamoDbWarmup>>()));
    }

    /// <summary>
    /// Binds the service's options (<paramref name="bind"/>: <c>(options, section) =&gt; section.Bind(options)</c>,
    /// written with the concrete type so the configuration binder's source generator sees it), validates them
    /// at start-up with <typeparamref name="TValidator"/> (an <c>[OptionsValidator]</c>: no reflection over
    /// DataAnnotations at run time), and primes DynamoDB with the table.
    /// </summary>
    public static IServiceCollection AddTableServiceOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions, TValidator>(
        this IServiceCollection services, string sectionName, Action<TOptions, IConfigurationSection> bind)
        where TOptions : TableServiceOptions
        where TValidator : class, IValidateOptions<TOptions>, new()
    {
        services.AddOptions<TOptions>()
            .Configure<IConfiguration>((options, configuration) => bind(options, configuration.GetSection(sectionName)))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>>(new TValidator());
        return services.AddDynamoDbWarmup(provider => provider.GetRequiredService<IOptions<TOptions>>().Value.TableName);
    }
}
