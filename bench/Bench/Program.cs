using System.Globalization;
//#if (IncludeUsers)
using System.Text.Json.Nodes;
//#endif
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Samples.Bench;
using Samples.BuildingBlocks.Data;
using Samples.Products;
using Samples.StandIns;

// Warm latency: each service's GET through its app against a raw DynamoDB GetItem of the same item (the
// floor), both from this process to the same DynamoDB Local; then the same for the Native AOT build. Cold
// start: process start to first authenticated 200 with a read, for the ReadyToRun and the Native AOT build,
// against a bare minimal API started the same way. Everything is measured in this run on this machine; only
// the ratios are compared with the targets (Report.cs).
//#if (IncludeChat)
if (args.FirstOrDefault() == "--chat-clients")
{
    return await ChatClientSwarm.RunAsync(args); // a chat room's clients, in a process of their own (Bench.Broadcast.cs)
}

//#endif
var configuration = args.SkipWhile(a => a != "--configuration").Skip(1).FirstOrDefault() ?? "Release";
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

await using var dynamoDbLocal = await DynamoDbLocal.StartAsync();
using var dynamoDb = DynamoDbLocal.Client(dynamoDbLocal.ServiceUrl);
var template = SamTemplate.Load();
await TableProvisioner.CreateAsync(dynamoDb, template, "ProductsTable", "BenchProducts");
await TableProvisioner.CreateAsync(dynamoDb, template, "ProductsTable", "BenchFloor"); // the bare app's read
await TableProvisioner.CreateAsync(dynamoDb, template, "IdempotencyTable", "BenchIdempotency"); // the creates' Idempotency-Keys
//#if (IncludeUsers)
await TableProvisioner.CreateAsync(dynamoDb, template, "UsersTable", "BenchUsers");
//#endif
//#if (IncludeChat)
await TableProvisioner.CreateAsync(dynamoDb, template, "ConnectionsTable", "BenchConnections");
await TableProvisioner.CreateAsync(dynamoDb, template, "MessagesTable", "BenchMessages");
//#endif

// A real Cognito (emulated) token: the apps validate it on every request that carries it.
var cognitoState = Path.Combine(RepositoryLayout.StateDirectory, "bench", "cognito");
if (Directory.Exists(cognitoState))
{
    Directory.Delete(cognitoState, recursive: true);
}

var cognitoProcess = await CognitoLocal.StartAsync(cognitoState, CancellationToken.None);
// Stopped on every way out, a crash included: a leftover emulator would hold its port for the next run.
void StopCognito() { if (!cognitoProcess.HasExited) { cognitoProcess.Kill(entireProcessTree: true); } }
AppDomain.CurrentDomain.ProcessExit += (_, _) => StopCognito();
AppDomain.CurrentDomain.UnhandledException += (_, _) => StopCognito();
LocalIdentity identity;
string token;
var tokens = new List<string>();
using (var cognito = new CognitoLocal(new HttpClient()))
{
    // Ten users: the chat rooms hold up to 10,000 connections, a user at most 1,000 of them (Bench.Broadcast.cs).
    var users = Enumerable.Range(0, 10).Select(user => new LocalUser(user == 0 ? "bench@example.com" : $"bench{user}@example.com", "Bench-Passw0rd!", $"Bench {user}", IsAdmin: false)).ToList();
    identity = await cognito.BootstrapAsync(users, CancellationToken.None);
    foreach (var user in users)
    {
        tokens.Add(await cognito.SignInAsync(identity.ClientId, user.Email, user.Password, CancellationToken.None));
    }

    token = tokens[0];
}

var common = new Dictionary<string, string>
{
    ["DynamoDB__ServiceUrl"] = dynamoDbLocal.ServiceUrl,
    ["Auth__Authority"] = identity.Issuer,
    ["Auth__Audience"] = identity.ClientId,
    ["Logging__LogLevel__Default"] = "Warning",
    ["Idempotency__TableName"] = "BenchIdempotency",
};

// `make bench-chat` (--only chat) and `make bench-runtime` (--only runtime): that part alone, written into
// docs/performance.md in place of the one there.
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
// With --only runtime: --function Products (one service and the floor) and --build native or managed (one build).
var onlyFunction = args.SkipWhile(a => a != "--function").Skip(1).FirstOrDefault();
var onlyBuild = args.SkipWhile(a => a != "--build").Skip(1).FirstOrDefault();
// With --only chat: --rooms 100,5000 (the room sizes to measure, of 100, 1,000, 5,000 and 10,000).
var rooms = (args.SkipWhile(a => a != "--rooms").Skip(1).FirstOrDefault() ?? "100,1000,5000,10000")
    .Split(',').Select(size => int.Parse(size, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
//#if (IncludeChat)
if (only == "chat")
{
    var chatReport = new Report();
    await BenchChatAsync(chatReport);
    await chatReport.ReplaceSectionAsync(Report.ChatHeading, chatReport.ChatSection());
    return 0;
}

//#endif
var repository = new ProductRepository(dynamoDb, Options.Create(new ProductsOptions { TableName = "BenchProducts" }));
var now = DateTimeOffset.UtcNow;
var seeded = WriteToken.New(now);
var product = Product.Create(seeded.Value, new ProductDraft("Espresso cup", "Porcelain, 80 ml.", 12.50m, "EUR", ["kitchen", "coffee"]), now, "bench");
await repository.CreateAsync(product, seeded, CancellationToken.None);

// Published the way `sam build` packages a function: ReadyToRun (managed runtime) and NativeAot=true; what
// --only runtime --function/--build leaves out is not published.
Task<AppBinary> PublishAsync(string project, string name, bool native = false) =>
    (only is null or "runtime") && (onlyFunction is null || onlyFunction == name || name == "BareHandler") && (onlyBuild is null || onlyBuild == (native ? "native" : "managed"))
        ? Publisher.PublishAsync(project, name, configuration, native)
        : Task.FromResult(Publisher.Unpublished(name, native));
var bareDll = only == "runtime" ? Publisher.Unpublished("BareApp", native: false) : await PublishAsync(Path.Combine("bench", "BareApp", "BareApp.csproj"), "BareApp");
var productsProject = Path.Combine("services", "Products", "Products.csproj");
//#if (IncludeUsers)
var usersProject = Path.Combine("services", "Users", "Users.csproj");
//#endif
var services = new[]
{
    new BenchedService(
        "Products", "GET /products/{id}", $"/products/{product.Id}", Token: null,
        await PublishAsync(productsProject, "Products"),
        await PublishAsync(productsProject, "Products", native: true),
        new() { ["Products__TableName"] = "BenchProducts" },
        new GetItemRequest { TableName = "BenchProducts", Key = new() { ["id"] = new AttributeValue { S = product.Id } }, ConsistentRead = true },
        Seed: null),
    //#if (IncludeUsers)
    new BenchedService(
        "Users", "GET /users/me", "/users/me", token,
        await PublishAsync(usersProject, "Users"),
        await PublishAsync(usersProject, "Users", native: true),
        new() { ["Users__TableName"] = "BenchUsers" },
        new GetItemRequest { TableName = "BenchUsers", Key = new() { ["userId"] = new AttributeValue { S = Jwt.Subject(token) } }, ConsistentRead = true },
        Seed: new JsonObject { ["displayName"] = "Bench", ["bio"] = "Measures things." }),
    //#endif
};

var report = new Report();
if (only == "runtime")
{
    await BenchRuntimeAsync(report);
    await report.ReplaceSectionAsync(Report.RuntimeHeading, report.RuntimeSection());
    Console.WriteLine(report.RuntimeSummary());
    return 0;
}

foreach (var service in services)
{
    var environment = new Dictionary<string, string>(common.Concat(service.Environment));
    Console.WriteLine($"{service.Name}: warm {service.Route}, {Bench.RequestsPerRun} requests per run, concurrency {string.Join(", ", Bench.Concurrency)}.");
    report.Warm[service.Route] = await Bench.WarmAsync(service, environment, dynamoDb);
    report.WarmAot[service.Route] = await Bench.HeadToHeadAsync(service, environment);
    Console.WriteLine($"{service.Name}: cold start, {Bench.ColdStarts} starts each of the bare app (hello, authenticated read), ReadyToRun and Native AOT, in turn.");
    report.Cold[service.Route] = await Bench.ColdAsync(service, bareDll, token, environment);
    report.PackageBytes[service.Route] = (service.Jit.PackageBytes, service.Aot.PackageBytes);
}

report.HttpFloor = await Bench.HttpFloorAsync(bareDll, common);

await BenchRuntimeAsync(report);

//#if (IncludeChat)
await BenchChatAsync(report);

//#endif
var path = Path.Combine(RepositoryLayout.Root, "docs", "performance.md");
await File.WriteAllTextAsync(path, report.ToMarkdown());
Console.WriteLine($"Wrote {Path.GetRelativePath(RepositoryLayout.Root, path)}.");
Console.WriteLine(report.Summary());
Console.WriteLine(report.RuntimeSummary());
return 0;

async Task BenchRuntimeAsync(Report into)
{
    // Under the Lambda Runtime API: each function's runtime client loop, started as Lambda starts it and fed API Gateway's
    // events, against the bare handler floor (one GetItem behind LambdaBootstrapBuilder), managed and Native AOT.
    var bareHandler = Path.Combine("bench", "BareHandler", "BareHandler.csproj");
    var lambda = new Dictionary<string, string>(common)
    {
        ["BareHandler__TableName"] = "BenchProducts",
        ["POWERTOOLS_LOG_LEVEL"] = "Warning",
        ["POWERTOOLS_METRICS_NAMESPACE"] = "ServerlessSamples",
    };
    await using var capacityProxy = await CapacityProxy.StartAsync(dynamoDbLocal.ServiceUrl);
    Console.WriteLine($"Under the Lambda Runtime API: {Bench.RuntimeColdStarts} cold starts and {Bench.RuntimeWarmInvocations} warm invocations per function and build.");
    var productRead = () => GatewayEvents.HttpApi("GET", $"/products/{product.Id}", routeKey: "GET /products/{id}");
    //#if (IncludeUsers)
    var usersClaims = GatewayEvents.CognitoClaims(Jwt.Subject(token), "members", issuer: identity.Issuer, audience: identity.ClientId);
    //#endif
    foreach (var native in new[] { false, true }.Where(native => onlyBuild is null || onlyBuild == (native ? "native" : "managed")))
    {
        var functions = new List<RuntimeFunction> { new("BareHandler", await PublishAsync(bareHandler, "BareHandler", native), lambda, productRead) };
        foreach (var service in services.Where(service => onlyFunction is null || service.Name == onlyFunction))
        {
            var function = new RuntimeFunction(service.Name, native ? service.Aot : service.Jit, new(lambda.Concat(service.Environment)), productRead);
            //#if (IncludeUsers)
            if (service.Name == "Users")
            {
                function = function with { Event = () => GatewayEvents.RestApi("GET", "/users/me", "/users/me", claims: usersClaims) };
                // The profile the read finds: created through the function itself (a later run finds it there, 409).
                await Bench.InvokeOnceAsync(function, GatewayEvents.RestApi("POST", "/users", "/users", service.Seed!.ToJsonString(), usersClaims), 201, 409);
            }

            //#endif
            functions.Add(function);
        }

        into.Runtime.AddRange(await Bench.RuntimeAsync(functions));
        Console.WriteLine($"  Every other route: {Bench.RouteWarmInvocations} warm requests each, and the DynamoDB capacity one consumes.");
        into.Routes.AddRange(await Bench.RoutesAsync(functions.Skip(1).ToList(), function => function.Name switch
        {
            //#if (IncludeUsers)
            "Users" => RouteScenarios.Users(identity.Issuer, identity.ClientId),
            //#endif
            _ => RouteScenarios.Products(),
        }, capacityProxy));
        Console.WriteLine($"  Start-up marks: {Bench.MarkedStarts} more starts of each, and one marked warm invocation in as many environments.");
        into.Startup.AddRange(await Bench.StartupAsync(functions));
        into.WarmInvocations.AddRange(await Bench.WarmInvocationAsync(functions));
        if (!native)
        {
            // SnapStart is for managed runtimes: what its before-snapshot warm-up leaves to the first request after a restore.
            Console.WriteLine($"  SnapStart: {Bench.MarkedStarts} restores of each service.");
            into.SnapStart.AddRange(await Bench.StartupAsync(functions.Skip(1).ToList(), snapStart: true));
        }
    }
}

//#if (IncludeChat)
// Chat delivery to rooms of 100, 1,000, 5,000 and 10,000 members (Bench.Broadcast.cs).
async Task BenchChatAsync(Report into)
{
    var chatDll = await Publisher.PublishAsync(Path.Combine("services", "Chat", "Chat", "Chat.csproj"), "Chat", configuration);
    var chatEnvironment = new Dictionary<string, string>(common) { ["Chat__TableName"] = "BenchConnections", ["Chat__MessagesTableName"] = "BenchMessages" };
    foreach (var (clients, messages) in new[] { (100, 20), (1000, 10), (5000, 5), (10_000, 3) }.Where(room => rooms.Contains(room.Item1)))
    {
        Console.WriteLine($"Chat: a message to {clients} clients in one room, {messages} times, {Bench.PostLatency.TotalMilliseconds:F0} ms per post.");
        into.Broadcasts.Add(await Bench.ChatDeliveryAsync(chatDll, chatEnvironment, dynamoDbLocal.ServiceUrl, identity, tokens, clients, messages));
    }
}

//#endif
