using Samples.ServiceDefaults;

namespace Samples.Users.Tests;

/// <summary>
/// What SnapStart runs before the snapshot (SnapStartWarmUp, registered by AddLambdaHosting), seen as Lambda runs it:
/// Users started with AWS_LAMBDA_INITIALIZATION_TYPE=snap-start under the Runtime API stand-in, which answers its
/// request to be restored. The warm-up takes the paths a first real request takes: the REST event read by the Lambda
/// serializer, the authorizer's identity, each route's validation and DynamoDB call, the problem answers; and it
/// changes nothing.
/// </summary>
[Trait("Category", "LambdaRuntime")]
public sealed class SnapshotWarmupTests
{
    [Fact]
    public async Task Before_the_snapshot_every_route_reaches_the_profile_through_the_gateway_identity_and_changes_nothing()
    {
        var table = await TestTables.CreateAsync("UsersTable");
        var idempotencyTable = await TestTables.CreateAsync("IdempotencyTable");
        var environment = await LambdaFunction.AppEnvironmentAsync("users", new Dictionary<string, string> { ["Users__TableName"] = table, ["Idempotency__TableName"] = idempotencyTable });
        environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start";
        var member = GatewayEvents.CognitoClaims("member-" + Guid.NewGuid().ToString("N")[..8]);

        await using var function = await LambdaFunction.StartAsync("Users", "Users", "UsersFunction", environment);
        var read = await function.InvokeForAnswerAsync(GatewayEvents.RestApi("GET", "/users/me", "/users/me", claims: member));
        var output = await function.SettledOutputAsync();

        // Each 404 is the endpoint's answer after its DynamoDB call (a request that had not been signed in would be a 401);
        // the create fails validation.
        string[] answers = ["GET /users/me answered 404", "POST /users/ answered 400", "PUT /users/me answered 404", "DELETE /users/me answered 404"];
        Assert.Equal(Enumerable.Range(0, SnapStartWarmUp.Rounds).SelectMany(_ => answers), LambdaLogs.WarmUpAnswers(output));
        Assert.Empty(await TestTables.SnapshotAsync(table));
        Assert.Empty(await TestTables.SnapshotAsync(idempotencyTable));
        Assert.Equal(404, read.StatusCode());
        var lines = LambdaLogs.AssertEveryLineIsPowertoolsJson([.. output.Where(line => line.Contains(read.Header("X-Correlation-Id")!, StringComparison.Ordinal))], "users");
        Assert.All(lines, line => Assert.True(line["cold_start"]!.GetValue<bool>())); // the first request after the restore
    }

    [Fact]
    public void Warm_up_requests_are_for_paths_of_this_app()
    {
        Assert.Throws<ArgumentException>(() => new WarmUpRequest("GET", "https://example.com/users"));
        Assert.Throws<ArgumentException>(() => new WarmUpRequest("GET", "//example.com/users"));
        Assert.Equal("/users/me", new WarmUpRequest("GET", "/users/me").Path);
        Assert.Single(new SnapStartWarmUp().Events(Microsoft.Extensions.DependencyInjection.LambdaEventSource.WebsocketApi));
    }

    [Fact]
    public void The_cold_start_is_the_first_request_and_again_the_first_after_a_restore()
    {
        ColdStart.Of(new Microsoft.AspNetCore.Http.DefaultHttpContext()); // whatever ran before in this process
        var first = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        ColdStart.Rearm();
        Assert.True(ColdStart.Of(first));
        Assert.True(ColdStart.Of(first)); // the log keys and the metric ask for the same request
        Assert.False(ColdStart.Of(new Microsoft.AspNetCore.Http.DefaultHttpContext()));
        ColdStart.Rearm(); // SnapStart restore
        Assert.True(ColdStart.Of(new Microsoft.AspNetCore.Http.DefaultHttpContext()));
        Assert.True(ColdStart.Of(first));
    }
}
