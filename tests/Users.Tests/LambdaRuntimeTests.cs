using System.Text.Json.Nodes;

namespace Samples.Users.Tests;

/// <summary>
/// Users as Lambda runs it: the function's real runtime client loop (the managed build, or the Native AOT bootstrap
/// under `make test-aot`), fed REST API payload 1.0 events carrying the Cognito user pool authorizer's claims, with
/// cognito:groups as that authorizer writes an array claim ("admin,members").
/// </summary>
[Trait("Category", "LambdaRuntime")]
public sealed class LambdaRuntimeTests : IAsyncLifetime
{
    private LambdaFunction function = null!;
    private string table = "";
    private string idempotencyTable = "";

    public async ValueTask InitializeAsync()
    {
        table = await TestTables.CreateAsync("UsersTable");
        idempotencyTable = await TestTables.CreateAsync("IdempotencyTable");
        function = await LambdaFunction.StartAsync("Users", "Users", "UsersFunction",
            await LambdaFunction.AppEnvironmentAsync("users", new Dictionary<string, string> { ["Users__TableName"] = table, ["Idempotency__TableName"] = idempotencyTable }));
    }

    public ValueTask DisposeAsync() => function.DisposeAsync();

    [Fact]
    public async Task A_member_creates_and_reads_their_own_profile_as_the_identity_the_authorizer_passed()
    {
        var member = GatewayEvents.CognitoClaims("member-" + Guid.NewGuid().ToString("N")[..8], GatewayEvents.RestApiGroups("members"));

        var created = await function.InvokeForAnswerAsync(GatewayEvents.RestApi("POST", "/users", "/users", UsersApp.Body().ToJsonString(), member));
        Assert.Equal(201, created.StatusCode());
        Assert.Equal("/users/" + member["sub"], created.Header("Location"));

        var read = await function.InvokeForAnswerAsync(GatewayEvents.RestApi("GET", "/users/me", "/users/me", claims: member));
        Assert.Equal(200, read.StatusCode());
        var profile = read.JsonBody();
        Assert.Equal(member["sub"], profile["userId"]!.GetValue<string>());
        Assert.Equal(member["email"], profile["email"]!.GetValue<string>());

        var lines = LambdaLogs.AssertEveryLineIsPowertoolsJson(await function.SettledOutputAsync(), "users");
        Assert.Equal([true, false], lines.Select(line => line["cold_start"]!.GetValue<bool>()));
        LambdaLogs.AssertMetricsOnce(await function.SettledOutputAsync(), "ServerlessSamples", "users", "ProfilesCreated");
        Assert.Contains(await function.XRaySegmentsAsync(), segment => JsonNode.Parse(segment)!["aws"]?["operation"]?.GetValue<string>() == "PutItem");
    }

    [Fact]
    public async Task Listing_profiles_is_for_the_admin_group_a_member_gets_a_403_problem()
    {
        var member = GatewayEvents.CognitoClaims("member-sub", GatewayEvents.RestApiGroups("members", "readers"));
        var admin = GatewayEvents.CognitoClaims("admin-sub", GatewayEvents.RestApiGroups("members", "admin"));

        var refused = await function.InvokeForAnswerAsync(GatewayEvents.RestApi("GET", "/users", "/users", claims: member));
        var listed = await function.InvokeForAnswerAsync(GatewayEvents.RestApi("GET", "/users?limit=5", "/users", claims: admin));

        Assert.Equal(403, refused.StatusCode());
        Assert.Equal("application/problem+json", refused.Header("Content-Type"));
        Assert.Equal(200, listed.StatusCode());
        Assert.NotNull(listed.JsonBody()["items"]);
    }

    [Fact]
    public async Task An_invalid_profile_gets_a_400_problem_and_nothing_is_stored()
    {
        var member = GatewayEvents.CognitoClaims("member-sub", GatewayEvents.RestApiGroups("members"));
        var request = GatewayEvents.RestApi("POST", "/users", "/users", """{"displayName":""}""", member);

        var refused = await function.InvokeForAnswerAsync(request);

        Assert.Equal(400, refused.StatusCode());
        var problem = refused.JsonBody();
        Assert.True(problem["errors"]!.AsObject().ContainsKey("displayName"), problem.ToJsonString());
        Assert.Equal(request["requestContext"]!["requestId"]!.GetValue<string>(), problem["correlationId"]!.GetValue<string>());
        Assert.Empty(await TestTables.SnapshotAsync(table));
    }
}
