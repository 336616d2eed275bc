using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Samples.Testing;

namespace Samples.Infrastructure.Tests;

/// <summary>
/// The PreTraffic hook as Lambda runs it, fed CodeDeploy's lifecycle event, with the Lambda and CodeDeploy endpoints
/// pointed at recorders (AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL_CODEDEPLOY). The recorded Lambda endpoint hands the
/// health event to a real Products function running under its own Runtime API, so "Succeeded" means a new version
/// really started and its health check reached DynamoDB.
/// </summary>
[Trait("Category", "LambdaRuntime")]
public sealed class PreTrafficHookRuntimeTests : IAsyncLifetime
{
    private const string TargetVersion = "arn:aws:lambda:us-east-1:123456789012:function:ProductsFunction:7";

    private RecordingServer codeDeploy = null!;
    private RecordingServer lambda = null!;
    private LambdaFunction hook = null!;
    private LambdaFunction? products;

    public async ValueTask InitializeAsync()
    {
        codeDeploy = await RecordingServer.StartAsync(request => Task.FromResult(
            Results.Json(new JsonObject { ["lifecycleEventHookExecutionId"] = JsonNode.Parse(request.Body)!["lifecycleEventHookExecutionId"]!.GetValue<string>() }, contentType: "application/x-amz-json-1.1")));
        lambda = await RecordingServer.StartAsync(_ => Task.FromResult(Results.StatusCode(500)));
        hook = await LambdaFunction.StartAsync("DeploymentHooks", "PreTrafficHook", "ProductsPreTrafficHook", new Dictionary<string, string>
        {
            ["TARGET_FUNCTION_VERSION"] = TargetVersion,
            ["TARGET_KIND"] = "HttpApi",
            ["AWS_ENDPOINT_URL_LAMBDA"] = lambda.Url.ToString().TrimEnd('/'),
            ["AWS_ENDPOINT_URL_CODEDEPLOY"] = codeDeploy.Url.ToString().TrimEnd('/'),
            ["POWERTOOLS_SERVICE_NAME"] = "pretraffic-hook",
            ["POWERTOOLS_LOG_LEVEL"] = "Information",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await hook.DisposeAsync();
        if (products is not null)
        {
            await products.DisposeAsync();
        }

        await lambda.DisposeAsync();
        await codeDeploy.DisposeAsync();
    }

    [Fact]
    public async Task A_new_version_whose_health_check_answers_200_is_reported_Succeeded()
    {
        await ServeTargetAsync(await TestTables.CreateAsync("ProductsTable"));

        var result = await hook.InvokeAsync(LifecycleEvent("d-HEALTHY1", "exec-healthy"));

        Assert.True(result.Succeeded, result.Payload);
        var invoke = Assert.Single(lambda.Requests);
        Assert.Equal($"/2015-03-31/functions/{TargetVersion}/invocations", invoke.Path);
        Assert.Equal("GET /health", JsonNode.Parse(invoke.Body)!["routeKey"]!.GetValue<string>());
        AssertReported("d-HEALTHY1", "exec-healthy", "Succeeded");
        LambdaLogs.AssertEveryLineIsPowertoolsJson(await hook.SettledOutputAsync(), "pretraffic-hook");
    }

    [Fact]
    public async Task A_new_version_whose_health_check_fails_is_reported_Failed()
    {
        await ServeTargetAsync("ProductsTable-that-was-never-created");

        var result = await hook.InvokeAsync(LifecycleEvent("d-UNHEALTHY", "exec-unhealthy"));

        Assert.True(result.Succeeded, result.Payload);
        AssertReported("d-UNHEALTHY", "exec-unhealthy", "Failed");
        var lines = LambdaLogs.AssertEveryLineIsPowertoolsJson(await hook.SettledOutputAsync(), "pretraffic-hook");
        Assert.True(lines.Any(line => line["level"]!.GetValue<string>() == "Warning" && line["message"]!.GetValue<string>().Contains("The health check answered 503", StringComparison.Ordinal)),
            $"No warning names the 503:\n{string.Join('\n', lines)}\nThe target wrote:\n{string.Join('\n', products!.Output.TakeLast(30))}");
    }

    [Fact]
    public async Task A_new_version_that_errs_is_reported_Failed()
    {
        lambda.Respond = _ => Task.FromResult<IResult>(new FunctionError());

        var result = await hook.InvokeAsync(LifecycleEvent("d-ERRS", "exec-errs"));

        Assert.True(result.Succeeded, result.Payload);
        AssertReported("d-ERRS", "exec-errs", "Failed");
    }

    [Fact]
    public async Task An_event_that_is_not_codedeploys_is_reported_to_the_runtime_as_an_error_and_nothing_is_reported_to_codedeploy()
    {
        var result = await hook.InvokeAsync(JsonValue.Create("not a lifecycle event"));

        Assert.False(result.Succeeded);
        Assert.Contains("JsonException", result.Payload, StringComparison.Ordinal); // the error document the runtime client posts to /error
        Assert.Empty(codeDeploy.Requests);
        Assert.Empty(lambda.Requests);
    }

    /// <summary>The recorded Lambda endpoint passes each Invoke to a Products function running under its own Runtime API.</summary>
    private async Task ServeTargetAsync(string table)
    {
        products = await LambdaFunction.StartAsync("Products", "Products", "ProductsFunction",
            await LambdaFunction.AppEnvironmentAsync("products", new Dictionary<string, string> { ["Products__TableName"] = table }));
        lambda.Respond = async request =>
        {
            var answer = await products.InvokeAsync(JsonNode.Parse(request.Body)!);
            return answer.Succeeded ? Results.Content(answer.Payload, "application/json") : new FunctionError(answer.Payload);
        };
    }

    private void AssertReported(string deploymentId, string executionId, string status)
    {
        var report = Assert.Single(codeDeploy.Requests);
        Assert.Equal("CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus", report.Headers["X-Amz-Target"]);
        var body = JsonNode.Parse(report.Body)!;
        Assert.Equal(deploymentId, body["deploymentId"]!.GetValue<string>());
        Assert.Equal(executionId, body["lifecycleEventHookExecutionId"]!.GetValue<string>());
        Assert.Equal(status, body["status"]!.GetValue<string>());
    }

    private static JsonObject LifecycleEvent(string deploymentId, string executionId) =>
        new() { ["DeploymentId"] = deploymentId, ["LifecycleEventHookExecutionId"] = executionId };

    /// <summary>What Lambda's Invoke API answers for a function that threw: 200, X-Amz-Function-Error, the error document.</summary>
    private sealed class FunctionError(string payload = """{"errorType":"MissingMethodException","errorMessage":"Entry point not found"}""") : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers["X-Amz-Function-Error"] = "Unhandled";
            httpContext.Response.ContentType = "application/json";
            return httpContext.Response.WriteAsync(payload);
        }
    }
}
