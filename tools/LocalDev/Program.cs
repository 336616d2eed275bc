using System.Runtime.InteropServices;
using System.Text.Json;
using Samples.LocalDev;

// Usage: Samples.LocalDev run|demo|token|new-service [--configuration Release] [--native .local/aot] [--user admin|user]
//        [--name Orders [--singular Order]]
var command = args.FirstOrDefault() ?? "run";
var configuration = Option("--configuration") ?? "Release";
var native = Option("--native"); // a folder of Native AOT publishes (make publish-aot)

using var stop = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });

var console = TextWriter.Synchronized(Console.Out);
try
{
    return command switch
    {
        "run" => await RunAsync(),
        "demo" => await DemoAsync(),
        "token" => await TokenAsync(),
        "new-service" => NewService.Run(RepositoryLayout.Root, Option("--name"), Option("--singular"), console),
        _ => Usage(),
    };
}
catch (InvalidOperationException exception)
{
    Console.Error.WriteLine("error: " + exception.Message);
    return 2;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("Stopped before the stack was up."); // Ctrl-C during start-up; what had started is stopped
    return 130;
}

async Task<int> RunAsync()
{
    await using var stack = await LocalStack.StartAsync(configuration, console.WriteLine, stop.Token, native);
    PrintWelcome(stack);
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
        console.WriteLine("\nStopping the local stack...");
    }

    return 0;
}

async Task<int> DemoAsync()
{
    var quiet = new List<string>();
    int result;
    await using (var stack = await LocalStack.StartAsync(configuration, line => { lock (quiet) { quiet.Add(line); } }, stop.Token, native))
    {
        console.WriteLine($"Local stack up{(native is null ? "" : " (services: Native AOT executables from " + native + ")")}: DynamoDB Local {stack.DynamoDbUrl}, Cognito {CognitoLocal.Endpoint}/{stack.Identity.UserPoolId}.");
        result = await new Demo(stack, console).RunAsync(stop.Token);
    }

    console.WriteLine("Local stack stopped.");
    return result;
}

async Task<int> TokenAsync()
{
    var state = Path.Combine(RepositoryLayout.StateDirectory, "stack.json");
    if (!File.Exists(state))
    {
        throw new InvalidOperationException("No local stack found. Start one with `make run` in another terminal.");
    }

    var identity = JsonSerializer.Deserialize<LocalIdentity>(await File.ReadAllTextAsync(state))!;
    var who = Option("--user") ?? "admin";
    var user = identity.Users.FirstOrDefault(u => u.Email.StartsWith(who + "@", StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"No local user '{who}'. Use admin or user.");
    using var cognito = new CognitoLocal(new HttpClient());
    Console.WriteLine(await cognito.SignInAsync(identity.ClientId, user.Email, user.Password, stop.Token));
    return 0;
}

void PrintWelcome(LocalStack stack)
{
    var admin = LocalStack.Users.Single(u => u.IsAdmin);
    var products = LocalStack.Services.Single(s => s.Name == "products").Url;
    var users = string.Join(", ", LocalStack.Users.Select(u => $"{u.Email} / {u.Password}{(u.IsAdmin ? " (admin)" : "")}"));
    List<string> endpoints = [$"Products API       {products}/products        (OpenAPI: {products}/openapi/v1.json)"];
    List<string> tries =
    [
        $"curl -s {products}/products",
        $"curl -si -X POST {products}/products -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\\n" +
        """      -d '{"name":"Espresso cup","price":12.5,"currency":"EUR","tags":["kitchen"]}'""",
        $"curl -si -X PUT {products}/products/<id> -H \"Authorization: Bearer $TOKEN\" -H 'If-Match: \"1\"' \\\n" +
        """      -H 'Content-Type: application/json' -d '{"name":"Espresso cup","price":13,"currency":"EUR"}'""",
        $"curl -si -X DELETE {products}/products/<id> -H \"Authorization: Bearer $TOKEN\"",
    ];
    //#if (IncludeUsers)
    var usersApi = LocalStack.Services.Single(s => s.Name == "users").Url;
    endpoints.Add($"Users API          {usersApi}/users           (OpenAPI: {usersApi}/openapi/v1.json)");
    tries.Add($"curl -si -X POST {usersApi}/users -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\\n" +
        """      -d '{"displayName":"Ada","bio":"Runs the shop."}'""");
    tries.Add($"curl -si {usersApi}/users/me -H \"Authorization: Bearer $TOKEN\"");
    //#endif
    //#if (IncludeChat)
    var chat = LocalStack.WebSocketGatewayUrl.ToString().TrimEnd('/');
    endpoints.Add($"Chat WebSocket     {chat}/?token=<ID token>&room=lobby   (tools/StandIns: the WebSocket API stand-in)");
    tries.Add($$"""npx wscat -c "{{chat}}/?token=$TOKEN&room=lobby"    # then send {"action":"sendMessage","text":"hi"}""");
    //#endif
    endpoints.Add($"Browser client     {WebClientHost.Url}       (web/: sign in, products{(LocalStack.Services.Any(s => s.Name == "users") ? ", your profile" : "")}{(LocalStack.Services.Any(s => s.Name == "chat") ? ", chat" : "")})");
    endpoints.Add($"DynamoDB Local     {stack.DynamoDbUrl}");
    endpoints.Add($"Cognito emulator   {CognitoLocal.Endpoint}    user pool {stack.Identity.UserPoolId}, app client {stack.Identity.ClientId}");
    endpoints.Add($"Users              {users}");
    var indent = Environment.NewLine + "  ";
    console.WriteLine($$"""

        Local stack is up. Ctrl-C stops everything.

          {{string.Join(indent, endpoints)}}

        Get an ID token, in another terminal:
          make token                  # admin; `make token AS=user` for the regular user
          aws cognito-idp initiate-auth --endpoint-url {{CognitoLocal.Endpoint}} --region us-east-1 \
            --client-id {{stack.Identity.ClientId}} --auth-flow USER_PASSWORD_AUTH \
            --auth-parameters USERNAME={{admin.Email}},PASSWORD='{{admin.Password}}' \
            --query AuthenticationResult.IdToken --output text

        Try it:
          TOKEN=$(make -s token)
          {{string.Join(indent, tries)}}

        The same functions in Lambda containers (needs SAM CLI and Docker), against this stack (port 3000 is the browser client's):
          sam build && sam local start-api --env-vars .local/sam-env.json --docker-network host --port 3001

        """);
}

int Usage()
{
    Console.Error.WriteLine("usage: Samples.LocalDev run|demo|token|new-service [--configuration Release] [--native .local/aot] [--user admin|user] [--name Orders [--singular Order]]");
    return 2;
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
