using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Samples.LocalDev;

/// <summary>
/// Everything `make run` starts, in order: DynamoDB Local with the template's tables, the Cognito
/// emulator with a pool, client, admin group and two users, each service on its fixed port, and the
/// WebSocket API stand-in in front of Chat. Disposing it stops all of them, services first.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    public const int DynamoDbPort = 8000;

    //#if (IncludeChat)
    /// <summary>Shared by the Chat app and its gateway for this run only (declared first: Services uses it).</summary>
    private static readonly string IntegrationKey = WebSocketGateway.NewIntegrationKey();

    //#endif
    public static readonly IReadOnlyList<LocalService> Services =
    [
        // The browser client's origin (WebClientHost) may call both HTTP APIs, as AllowedOrigins allows in AWS.
        new("products", "Products", 5100, new() { ["Products__TableName"] = "ProductsTable", ["Idempotency__TableName"] = "IdempotencyTable", ["Cors__AllowedOrigins"] = "http://localhost:3000" }),
        //#if (IncludeUsers)
        new("users", "Users", 5200, new() { ["Users__TableName"] = "UsersTable", ["Idempotency__TableName"] = "IdempotencyTable", ["Cors__AllowedOrigins"] = "http://localhost:3000" }),
        //#endif
        //#if (IncludeChat)
        new("chat", "Chat", 5301, new()
        {
            ["Chat__TableName"] = "ConnectionsTable",
            ["Chat__MessagesTableName"] = "MessagesTable",
            ["Chat__ConnectionsEndpoint"] = $"http://localhost:{WebSocketGatewayPort}",
            ["Chat__IntegrationKey"] = IntegrationKey,
        }),
        //#endif
    ];

    //#if (IncludeChat)
    /// <summary>Where WebSocket clients connect: the stand-in for the WebSocket API, in front of Chat.</summary>
    public const int WebSocketGatewayPort = 5300;

    public static readonly Uri WebSocketGatewayUrl = new($"ws://localhost:{WebSocketGatewayPort}");

    //#endif

    public static readonly IReadOnlyList<LocalUser> Users =
    [
        new("admin@example.com", "Admin-Passw0rd!", "Ada Admin", IsAdmin: true),
        new("user@example.com", "User-Passw0rd!", "Uma User", IsAdmin: false),
    ];

    private readonly List<Process> processes = [];
    private DynamoDbLocalKeeper? dynamoDb;
    //#if (IncludeChat)
    private LocalChat? chat;
    //#endif
    private WebClientHost? webClient;
    private readonly ILoggerFactory loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true));

    private LocalStack()
    {
    }

    public LocalIdentity Identity { get; private set; } = null!;

    public string DynamoDbUrl => dynamoDb!.ServiceUrl;

    /// <summary>
    /// Starts the stack. <paramref name="nativeDirectory"/> null: each service's build output runs with `dotnet`;
    /// otherwise it is a folder of Native AOT publishes (`make publish-aot`: {folder}/{Project}/bootstrap).
    /// </summary>
    public static async Task<LocalStack> StartAsync(string configuration, Action<string> log, CancellationToken cancellationToken, string? nativeDirectory = null)
    {
        var stack = new LocalStack();
        try
        {
            await stack.StartAllAsync(configuration, nativeDirectory, log, cancellationToken);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync(string configuration, string? nativeDirectory, Action<string> log, CancellationToken cancellationToken)
    {
        var template = SamTemplate.Load();
        int[] standIns =
        [
            DynamoDbPort, CognitoLocal.Port, WebClientHost.Port,
            //#if (IncludeChat)
            WebSocketGatewayPort,
            //#endif
        ];
        foreach (var port in standIns.Concat(Services.Select(s => s.Port)))
        {
            ChildProcess.EnsurePortIsFree(port);
        }

        log($"DynamoDB Local      starting on port {DynamoDbPort}");
        dynamoDb = await DynamoDbLocalKeeper.StartAsync(DynamoDbPort, template, log, cancellationToken);
        log($"                    tables from infra/template.yaml: {string.Join(", ", template.Tables.Select(t => t.LogicalId))}");

        var cognitoState = Path.Combine(RepositoryLayout.StateDirectory, "cognito");
        if (Directory.Exists(cognitoState))
        {
            Directory.Delete(cognitoState, recursive: true); // a fresh pool each run
        }

        log($"Cognito emulator    starting on port {CognitoLocal.Port}");
        processes.Add(await CognitoLocal.StartAsync(cognitoState, cancellationToken));
        using (var cognito = new CognitoLocal(new HttpClient()))
        {
            Identity = await cognito.BootstrapAsync(Users, cancellationToken);
        }

        await File.WriteAllTextAsync(
            Path.Combine(RepositoryLayout.StateDirectory, "stack.json"),
            JsonSerializer.Serialize(Identity, new JsonSerializerOptions { WriteIndented = true }),
            cancellationToken);
        log($"                    user pool {Identity.UserPoolId}, app client {Identity.ClientId}");
        await WriteSamLocalEnvironmentAsync(template, cancellationToken);

        foreach (var service in Services)
        {
            log($"{service.Name,-20}starting on port {service.Port}{(nativeDirectory is null ? "" : " (Native AOT)")}");
            await StartServiceAsync(service, configuration, nativeDirectory, log, cancellationToken);
        }

        //#if (IncludeChat)
        chat = await LocalChat.StartAsync(
            WebSocketGatewayPort, Services.Single(s => s.Project == "Chat"), IntegrationKey, Identity, dynamoDb!.ServiceUrl, template, log, loggerFactory, cancellationToken);
        //#endif
        log($"Browser client      starting on port {WebClientHost.Port} (web/)");
        webClient = await WebClientHost.StartAsync(
            new WebClientConfig("us-east-1", CognitoLocal.Endpoint + "/", Identity.ClientId, Services.Single(s => s.Name == "products").Url)
            {
                //#if (IncludeUsers)
                UsersUrl = Services.Single(s => s.Name == "users").Url,
                //#endif
                //#if (IncludeChat)
                ChatUrl = WebSocketGatewayUrl.ToString().TrimEnd('/'),
                //#endif
            },
            cancellationToken);
    }

    /// <summary>
    /// .local/sam-env.json for `sam local start-api --env-vars`: points every function at this stack on the
    /// host (run SAM with --docker-network host, so the container's localhost is the host's).
    /// </summary>
    private async Task WriteSamLocalEnvironmentAsync(SamTemplate template, CancellationToken cancellationToken)
    {
        var functions = new Dictionary<string, Dictionary<string, string>>();
        foreach (var function in template.Resources.Where(resource => resource.Type == "AWS::Serverless::Function"))
        {
            var variables = new Dictionary<string, string>
            {
                ["DynamoDB__ServiceUrl"] = $"http://localhost:{DynamoDbPort}",
                ["Auth__Authority"] = Identity.Issuer,
                ["Auth__Audience"] = Identity.ClientId,
            };
            var service = Services.FirstOrDefault(s => function.LogicalId == s.Project + "Function");
            foreach (var (key, value) in service?.Environment ?? [])
            {
                variables[key] = value;
            }

            functions[function.LogicalId] = variables;
        }

        await File.WriteAllTextAsync(
            Path.Combine(RepositoryLayout.StateDirectory, "sam-env.json"),
            JsonSerializer.Serialize(functions, new JsonSerializerOptions { WriteIndented = true }),
            cancellationToken);
    }

    private async Task StartServiceAsync(LocalService service, string configuration, string? nativeDirectory, Action<string> log, CancellationToken cancellationToken)
    {
        var (program, arguments) = nativeDirectory is null
            ? ("dotnet", new[] { Path.Combine(RepositoryLayout.ProjectDirectory(service.Project), "bin", configuration, "net10.0", service.Project + ".dll") })
            : (Path.GetFullPath(Path.Combine(nativeDirectory, service.Project, "bootstrap")), []);
        var binary = arguments.FirstOrDefault() ?? program;
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"{binary} is missing: {(nativeDirectory is null ? "build first (`make build`)" : "publish first (`make publish-aot`)")}.");
        }

        var environment = new Dictionary<string, string>(service.Environment)
        {
            ["ASPNETCORE_URLS"] = service.Url,
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["POWERTOOLS_SERVICE_NAME"] = service.Name,
            ["DynamoDB__ServiceUrl"] = dynamoDb!.ServiceUrl,
            ["Auth__Authority"] = Identity.Issuer,
            ["Auth__Audience"] = Identity.ClientId,
        };
        var process = ChildProcess.Start(program, arguments, Path.GetDirectoryName(binary)!, environment, line => log($"[{service.Name}] {line}"));
        processes.Add(process); // stopped by DisposeAsync from here on, also when start-up fails or is cancelled

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await probe.GetAsync(service.Url + "/health", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (!process.HasExited && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException($"{service.Name} exited during start-up (code {process.ExitCode}).");
            }

            await Task.Delay(150, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (webClient is not null)
        {
            await webClient.DisposeAsync();
        }

        //#if (IncludeChat)
        if (chat is not null)
        {
            await chat.DisposeAsync();
        }

        //#endif

        for (var i = processes.Count - 1; i >= 0; i--)
        {
            var process = processes[i];
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

        if (dynamoDb is not null)
        {
            await dynamoDb.DisposeAsync();
        }

        loggerFactory.Dispose();
    }
}

public sealed record LocalService(string Name, string Project, int Port, Dictionary<string, string> Environment)
{
    public string Url => $"http://localhost:{Port}";
}
