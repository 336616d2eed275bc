using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Samples.Testing;

/// <summary>
/// A service hosted in memory through its real Program (WebApplicationFactory), against DynamoDB Local,
/// with tables of its own and the test issuer as its Cognito pool.
/// </summary>
public abstract class ServiceApp<TEntryPoint> : WebApplicationFactory<TEntryPoint>, IAsyncLifetime
    where TEntryPoint : class
{
    private readonly string[] tableLogicalIds;
    private readonly Dictionary<string, string> tableNames = [];
    private string dynamoDbUrl = "";

    protected ServiceApp(params string[] tableLogicalIds) => this.tableLogicalIds = tableLogicalIds;

    public string TableName(string logicalId) => tableNames[logicalId];

    /// <summary>The app's DynamoDB HTTP: loses the answers a test asks it to (nothing otherwise).</summary>
    public LostAnswers LostAnswers { get; } = new();

    /// <summary>Configuration keys for the service's own options, given its tables' real names.</summary>
    protected abstract IEnumerable<KeyValuePair<string, string?>> ServiceSettings(IReadOnlyDictionary<string, string> tables);

    public virtual async ValueTask InitializeAsync()
    {
        dynamoDbUrl = await DynamoDbUrlAsync();
        foreach (var logicalId in tableLogicalIds)
        {
            tableNames[logicalId] = await TestTables.CreateAsync(logicalId, dynamoDbUrl);
        }
    }

    /// <summary>The DynamoDB Local the app talks to: the test run's shared one, unless a test brings its own.</summary>
    protected virtual Task<string> DynamoDbUrlAsync() => DynamoDbEndpoint.UrlAsync();

    public HttpClient ClientWithToken(string? token)
    {
        var client = CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }

        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(
        [
            new("Auth:Authority", TestIssuer.Authority),
            new("Auth:Audience", TestIssuer.ClientId),
            new("DynamoDB:ServiceUrl", dynamoDbUrl),
            .. ServiceSettings(tableNames),
        ]));
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureTestServices(services =>
        {
            // The app fetches the pool's OpenID configuration and JWKS from the test issuer.
            services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options => options.BackchannelHttpHandler = new TestIssuer());
            services.AddSingleton<IStartupFilter, GatewayIdentityStartupFilter>();
            services.AddSingleton<Amazon.Runtime.HttpClientFactory>(LostAnswers);
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Does what Amazon.Lambda.AspNetCoreServer does behind an authorizer: sets HttpContext.User to an
    /// "AuthorizerIdentity" before the app's pipeline runs. Tests ask for it with a test-only header.
    /// </summary>
    private sealed class GatewayIdentityStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Headers[GatewayIdentity.TestHeader].ToString() is { Length: > 0 } value)
                {
                    var separator = value.IndexOf('|', StringComparison.Ordinal);
                    context.User = GatewayIdentity.Principal(value[..separator], value[(separator + 1)..]);
                }

                await nextMiddleware(context);
            });
            next(app);
        };
    }
}
