using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Samples.StandIns;

/// <summary>
/// The Cognito emulator (npm package cognito-local) on its fixed port 9229, and the few Cognito API
/// calls that set up a pool like the template's: e-mail usernames, an app client, the admin group
/// and two users. The API is JSON over HTTP, exactly as the AWS CLI speaks it with --endpoint-url.
/// </summary>
public sealed class CognitoLocal(HttpClient http) : IDisposable
{
    public const int Port = 9229;
    public const string Endpoint = "http://localhost:9229";

    public static async Task<Process> StartAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var start = Path.Combine(RepositoryLayout.NodeModules, "cognito-local", "lib", "bin", "start.js");
        if (!File.Exists(start))
        {
            throw new InvalidOperationException("cognito-local is not installed. Run `make tools` (npm ci).");
        }

        ChildProcess.EnsurePortIsFree(Port);
        Directory.CreateDirectory(dataDirectory);
        // cognito-local keeps its state in ./.cognito under its working directory.
        var process = ChildProcess.Start("node", [start], dataDirectory,
            new Dictionary<string, string> { ["PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await probe.GetAsync($"{Endpoint}/health", cancellationToken);
                return process;
            }
            catch (HttpRequestException) when (!process.HasExited && waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(150, cancellationToken);
            }
        }
    }

    /// <summary>Creates the pool, client, admin group and users; returns what a client needs to sign in.</summary>
    public async Task<LocalIdentity> BootstrapAsync(IReadOnlyList<LocalUser> users, CancellationToken cancellationToken)
    {
        var pool = await CallAsync("CreateUserPool", new JsonObject
        {
            ["PoolName"] = "samples-local",
            ["UsernameAttributes"] = new JsonArray("email"),
        }, cancellationToken);
        var poolId = pool["UserPool"]!["Id"]!.GetValue<string>();

        var client = await CallAsync("CreateUserPoolClient", new JsonObject
        {
            ["UserPoolId"] = poolId,
            ["ClientName"] = "samples-local-app",
            ["ExplicitAuthFlows"] = new JsonArray("ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"),
        }, cancellationToken);
        var clientId = client["UserPoolClient"]!["ClientId"]!.GetValue<string>();

        await CallAsync("CreateGroup", new JsonObject { ["UserPoolId"] = poolId, ["GroupName"] = "admin" }, cancellationToken);

        foreach (var user in users)
        {
            await CallAsync("AdminCreateUser", new JsonObject
            {
                ["UserPoolId"] = poolId,
                ["Username"] = user.Email,
                ["MessageAction"] = "SUPPRESS",
                ["UserAttributes"] = new JsonArray(
                    new JsonObject { ["Name"] = "email", ["Value"] = user.Email },
                    new JsonObject { ["Name"] = "email_verified", ["Value"] = "true" },
                    new JsonObject { ["Name"] = "name", ["Value"] = user.Name }),
            }, cancellationToken);
            await CallAsync("AdminSetUserPassword", new JsonObject
            {
                ["UserPoolId"] = poolId,
                ["Username"] = user.Email,
                ["Password"] = user.Password,
                ["Permanent"] = true,
            }, cancellationToken);
            if (user.IsAdmin)
            {
                await CallAsync("AdminAddUserToGroup", new JsonObject
                {
                    ["UserPoolId"] = poolId,
                    ["Username"] = user.Email,
                    ["GroupName"] = "admin",
                }, cancellationToken);
            }
        }

        return new LocalIdentity(poolId, clientId, $"{Endpoint}/{poolId}", users);
    }

    /// <summary>Signs in with USER_PASSWORD_AUTH and returns the ID token.</summary>
    public async Task<string> SignInAsync(string clientId, string email, string password, CancellationToken cancellationToken)
    {
        var result = await CallAsync("InitiateAuth", new JsonObject
        {
            ["ClientId"] = clientId,
            ["AuthFlow"] = "USER_PASSWORD_AUTH",
            ["AuthParameters"] = new JsonObject { ["USERNAME"] = email, ["PASSWORD"] = password },
        }, cancellationToken);
        return result["AuthenticationResult"]!["IdToken"]!.GetValue<string>();
    }

    private async Task<JsonNode> CallAsync(string operation, JsonObject body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint + "/")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.Add("X-Amz-Target", "AWSCognitoIdentityProviderService." + operation);

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Cognito {operation} failed ({(int)response.StatusCode}): {text}");
        }

        return JsonNode.Parse(text.Length == 0 ? "{}" : text)!;
    }

    public void Dispose() => http.Dispose();
}

public sealed record LocalUser(string Email, string Password, string Name, bool IsAdmin);

public sealed record LocalIdentity(string UserPoolId, string ClientId, string Issuer, IReadOnlyList<LocalUser> Users);
