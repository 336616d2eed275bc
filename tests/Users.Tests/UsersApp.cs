using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Samples.Users.Tests;

/// <summary>The Users app in memory, with a UsersTable and an IdempotencyTable of its own.</summary>
public sealed class UsersApp() : ServiceApp<Program>("UsersTable", "IdempotencyTable")
{
    public string Table => TableName("UsersTable");

    public string IdempotencyTable => TableName("IdempotencyTable");

    public static string Token(string sub, bool admin = false) => TestIssuer.Token(sub, admin ? ["admin"] : ["members"]);

    public HttpClient As(string sub, bool admin = false) => ClientWithToken(Token(sub, admin));

    public static JsonObject Body(string displayName = "Ada", string? bio = "Engineer.", string? avatarUrl = "https://example.com/ada.png")
    {
        var body = new JsonObject { ["displayName"] = displayName };
        if (bio is not null)
        {
            body["bio"] = bio;
        }

        if (avatarUrl is not null)
        {
            body["avatarUrl"] = avatarUrl;
        }

        return body;
    }

    /// <summary>A fresh Cognito-like subject, so each test owns its profiles.</summary>
    public static string NewSub(string role) => $"{role}-{Guid.NewGuid():N}";

    /// <summary>Creates the caller's own profile through the API.</summary>
    public async Task CreateOwnProfileAsync(string sub)
    {
        using var client = As(sub);
        using var response = await client.PostAsJsonAsync("/users", Body(), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }

    protected override IEnumerable<KeyValuePair<string, string?>> ServiceSettings(IReadOnlyDictionary<string, string> tables) =>
        [new("Users:TableName", tables["UsersTable"]), new("Idempotency:TableName", tables["IdempotencyTable"]), new("Cors:AllowedOrigins", "https://app.example.com")];
}
