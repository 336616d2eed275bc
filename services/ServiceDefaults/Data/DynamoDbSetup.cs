using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

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
        services.AddSingleton<IAmazonDynamoDB>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<DynamoDbOptions>>().Value;
            var config = new AmazonDynamoDBConfig
            {
                // Fail fast: a request whose table cannot be reached answers 503 in seconds (see
                // DependencyFailureHandler), well inside API Gateway's 29 s, instead of hanging.
                RetryMode = RequestRetryMode.Standard,
                MaxErrorRetry = options.MaxRetries,
                Timeout = options.AttemptTimeout,
                ConnectTimeout = options.ConnectTimeout,
            };
            if (string.IsNullOrWhiteSpace(options.ServiceUrl))
            {
                return new AmazonDynamoDBClient(config);
            }

            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
            return new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), config);
        });
        return services;
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
            timeout: TimeSpan.FromSeconds(5)));
        return services.AddHostedService(provider => new DynamoDbWarmup(
            provider.GetRequiredService<IAmazonDynamoDB>(),
            tableName(provider),
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DynamoDbWarmup>>()));
    }

    /// <summary>Binds and validates the service's options at start-up, and primes DynamoDB with its table.</summary>
    public static IServiceCollection AddTableServiceOptions<TOptions>(this IServiceCollection services, string sectionName)
        where TOptions : TableServiceOptions
    {
        services.AddOptions<TOptions>()
            .BindConfiguration(sectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services.AddDynamoDbWarmup(provider => provider.GetRequiredService<IOptions<TOptions>>().Value.TableName);
    }
}
