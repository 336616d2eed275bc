using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
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
            if (string.IsNullOrWhiteSpace(options.ServiceUrl))
            {
                return new AmazonDynamoDBClient();
            }

            var config = new AmazonDynamoDBConfig
            {
                ServiceURL = options.ServiceUrl,
                AuthenticationRegion = options.Region,
            };
            return new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), config);
        });
        return services;
    }

    /// <summary>Primes the client at start-up with a DescribeTable of <paramref name="tableName"/>.</summary>
    public static IServiceCollection AddDynamoDbWarmup(this IServiceCollection services, Func<IServiceProvider, string> tableName) =>
        services.AddHostedService(provider => new DynamoDbWarmup(
            provider.GetRequiredService<IAmazonDynamoDB>(),
            tableName(provider),
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DynamoDbWarmup>>()));
}
