using System.Text.Json.Nodes;
using Samples.DeploymentHooks;

namespace Samples.Infrastructure.Tests;

/// <summary>The PreTraffic hook's health request per function kind, and its verdict on the answer.</summary>
public sealed class PreTrafficHookTests
{
    [Theory]
    [InlineData(HealthTarget.HttpApi, "routeKey", "GET /health")]
    [InlineData(HealthTarget.RestApi, "path", "/health")]
    [InlineData(HealthTarget.WebSocketApi, "requestContext.routeKey", "health")]
    [InlineData(HealthTarget.RequestAuthorizer, "type", "REQUEST")]
    public void Each_kind_gets_the_event_its_api_gateway_flavour_sends(HealthTarget target, string key, string value)
    {
        var request = JsonNode.Parse(HealthCheck.Event(target, "pretraffic-d-123"))!.AsObject();

        Assert.Equal(value, key.Split('.').Aggregate<string, JsonNode>(request, (node, part) => node[part]!).GetValue<string>());
        Assert.Equal("pretraffic-d-123", request["requestContext"]!["requestId"]!.GetValue<string>());
        Assert.DoesNotContain("token", request.ToJsonString(), StringComparison.OrdinalIgnoreCase); // no credentials
    }

    [Theory]
    [InlineData(HealthTarget.HttpApi, null, """{"statusCode":200,"body":"Healthy"}""", true)]
    [InlineData(HealthTarget.RestApi, null, """{"statusCode":503,"body":"{}"}""", false)]
    [InlineData(HealthTarget.WebSocketApi, null, """{"statusCode":200,"body":"Healthy"}""", true)]
    [InlineData(HealthTarget.WebSocketApi, null, """{"statusCode":403}""", false)]
    [InlineData(HealthTarget.HttpApi, null, """{"statusCode":404,"body":"{}"}""", false)]
    [InlineData(HealthTarget.HttpApi, "Unhandled", """{"errorType":"MissingMethodException"}""", false)]
    [InlineData(HealthTarget.HttpApi, null, "not json", false)]
    [InlineData(HealthTarget.HttpApi, null, """{"body":"no status"}""", false)]
    [InlineData(HealthTarget.RequestAuthorizer, null, """{"principalId":"anonymous","policyDocument":{"Statement":[]}}""", true)]
    [InlineData(HealthTarget.RequestAuthorizer, null, """{"errorMessage":"boom"}""", false)]
    public void A_version_is_healthy_only_when_its_health_check_answered_200_without_an_error(HealthTarget target, string? functionError, string payload, bool healthy)
    {
        var verdict = HealthCheck.Verdict(target, functionError, payload);

        Assert.Equal(healthy, verdict is null);
    }
}
