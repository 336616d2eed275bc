using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.CodeDeploy;
using Amazon.CodeDeploy.Model;
using Amazon.Lambda;
using Amazon.Lambda.Core;
using Amazon.Lambda.Model;
using Amazon.Lambda.RuntimeSupport;

namespace Samples.DeploymentHooks;

/// <summary>
/// The hook's Lambda entry point. CodeDeploy calls it with the deployment and hook execution
/// ids; it invokes TARGET_FUNCTION_VERSION (the new version's ARN, from the template) with the health request
/// for TARGET_KIND and reports Succeeded or Failed. A failure, or no report, stops the deployment and rolls back.
/// </summary>
public static class PreTrafficHookFunction
{
    private static readonly AmazonLambdaClient Lambda = new();
    private static readonly AmazonCodeDeployClient CodeDeploy = new();

    public static async Task Main()
    {
        using var bootstrap = LambdaBootstrapBuilder.Create(HandleAsync).Build();
        await bootstrap.RunAsync();
    }

    public static async Task HandleAsync(Stream input, ILambdaContext context)
    {
        var hook = await JsonSerializer.DeserializeAsync(input, HookJson.Default.PreTrafficEvent)
            ?? throw new InvalidOperationException("CodeDeploy sent no event.");
        var target = Environment.GetEnvironmentVariable("TARGET_FUNCTION_VERSION") ?? throw new InvalidOperationException("TARGET_FUNCTION_VERSION is not set.");
        var kind = Enum.Parse<HealthTarget>(Environment.GetEnvironmentVariable("TARGET_KIND") ?? "");
        string? problem;
        try
        {
            var response = await Lambda.InvokeAsync(new InvokeRequest
            {
                FunctionName = target,
                Payload = HealthCheck.Event(kind, "pretraffic-" + hook.DeploymentId),
            });
            problem = HealthCheck.Verdict(kind, response.FunctionError, Encoding.UTF8.GetString(response.Payload.ToArray()));
        }
        catch (AmazonLambdaException exception)
        {
            problem = $"Could not invoke {target}: {exception.ErrorCode}";
        }

        context.Logger.LogInformation(problem is null ? $"{target} is healthy." : $"{target} is not healthy: {problem}");
        await CodeDeploy.PutLifecycleEventHookExecutionStatusAsync(new PutLifecycleEventHookExecutionStatusRequest
        {
            DeploymentId = hook.DeploymentId,
            LifecycleEventHookExecutionId = hook.LifecycleEventHookExecutionId,
            Status = problem is null ? LifecycleEventStatus.Succeeded : LifecycleEventStatus.Failed,
        });
    }
}

/// <summary>What CodeDeploy sends a lifecycle hook.</summary>
public sealed record PreTrafficEvent(string DeploymentId, string LifecycleEventHookExecutionId);

[JsonSerializable(typeof(PreTrafficEvent))]
internal sealed partial class HookJson : JsonSerializerContext;
