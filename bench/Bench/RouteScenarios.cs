using System.Text.Json.Nodes;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>
/// The routes the cost table prices beyond each service's read, called as clients call them: writes with an
/// Idempotency-Key or If-Match, as an admin where the route asks for one. Each request succeeds; what a write needs
/// first (the product a delete removes, the profile a replace changes) is made untimed through the same function.
/// </summary>
internal static class RouteScenarios
{
    private const string ProductBody = """{"name": "Espresso cup", "description": "Porcelain, 80 ml.", "price": 12.50, "currency": "EUR", "tags": ["kitchen", "coffee"]}""";

    public static IReadOnlyList<RouteScenario> Products()
    {
        var admin = GatewayEvents.CognitoClaims("bench-admin", GatewayEvents.HttpApiGroups("admin"));
        JsonObject Create() => GatewayEvents.HttpApi("POST", "/products", ProductBody, admin, "POST /products", NewKey());
        string? replaced = null;
        var version = 0;
        var deleted = new Dictionary<int, string>();
        return
        [
            new("GET /products (HTTP API)", _ => GatewayEvents.HttpApi("GET", "/products?limit=20", routeKey: "GET /products"), 200, FullPage(Create)),
            new("POST /products (HTTP API)", _ => Create(), 201),
            new(
                "PUT /products/{id} (HTTP API)",
                _ => GatewayEvents.HttpApi("PUT", $"/products/{replaced}", ProductBody, admin, "PUT /products/{id}", IfMatch(version++)),
                200,
                async (_, invoke) =>
                {
                    if (replaced is null) // the product it replaces, made once
                    {
                        replaced = (await invoke(Create(), 201)).JsonBody()["id"]!.GetValue<string>();
                        version = 1;
                    }
                }),
            new(
                "DELETE /products/{id} (HTTP API)",
                i => GatewayEvents.HttpApi("DELETE", $"/products/{deleted[i]}", claims: admin, routeKey: "DELETE /products/{id}", headers: IfMatch(1)),
                204,
                async (i, invoke) => deleted[i] = (await invoke(Create(), 201)).JsonBody()["id"]!.GetValue<string>()),
        ];
    }

    //#if (IncludeUsers)
    public static IReadOnlyList<RouteScenario> Users(string issuer, string audience)
    {
        Dictionary<string, string> Member(string sub) => GatewayEvents.CognitoClaims(sub, GatewayEvents.RestApiGroups("members"), issuer: issuer, audience: audience);
        JsonObject Create(string sub) =>
            GatewayEvents.RestApi("POST", "/users", "/users", """{"displayName": "Bench", "bio": "Measures things."}""", Member(sub), headers: NewKey());
        var admin = GatewayEvents.CognitoClaims("bench-admin", GatewayEvents.RestApiGroups("admin"), issuer: issuer, audience: audience);
        var replacer = "bench-replace-" + Guid.NewGuid().ToString("N")[..8];
        var version = 0;
        var run = Guid.NewGuid().ToString("N")[..8];
        return
        [
            new("GET /users (REST API)", _ => GatewayEvents.RestApi("GET", "/users?limit=20", "/users", claims: admin), 200, FullPage(() => Create($"bench-listed-{Guid.NewGuid():N}"))),
            new("POST /users (REST API)", i => Create($"bench-new-{run}-{i}"), 201),
            new(
                "PUT /users/me (REST API)",
                _ => GatewayEvents.RestApi("PUT", "/users/me", "/users/me", """{"displayName": "Bench", "bio": "Measures more things."}""", Member(replacer), headers: IfMatch(version++)),
                200,
                async (_, invoke) =>
                {
                    if (version == 0) // the profile it replaces, made once
                    {
                        await invoke(Create(replacer), 201);
                        version = 1;
                    }
                }),
            new(
                "DELETE /users/me (REST API)",
                i => GatewayEvents.RestApi("DELETE", "/users/me", "/users/me", claims: Member($"bench-gone-{run}-{i}"), headers: IfMatch(1)),
                204,
                async (i, invoke) => await invoke(Create($"bench-gone-{run}-{i}"), 201)),
        ];
    }

    //#endif

    /// <summary>Before the first request: twenty more items, so each list request reads a full page of 20.</summary>
    private static Func<int, Func<JsonObject, int, Task<JsonObject>>, Task> FullPage(Func<JsonObject> create) => async (i, invoke) =>
    {
        if (i > 0)
        {
            return;
        }

        for (var item = 0; item < 20; item++)
        {
            await invoke(create(), 201);
        }
    };

    private static Dictionary<string, string> NewKey() => new() { ["Idempotency-Key"] = $"\"bench-{Guid.NewGuid():N}\"" };

    private static Dictionary<string, string> IfMatch(int version) => new() { ["If-Match"] = $"\"{version}\"" };
}
