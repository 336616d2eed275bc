using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.CodeDeploy;
using Amazon.CodeDeploy.Model;
using Amazon.Lambda;
using Amazon.Lambda.Core;
using Amazon.Lambda.Model;
using Amazon.Lambda.RuntimeSupport;
using Microsoft.Extensions.Logging;
using Samples.ServiceDefaults;
using Samples.ServiceDefaults.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Samples.DeploymentHooks;

/// <summary>
/// The hook's Lambda entry point. CodeDeploy calls it with the deployment and hook execution
/// ids; it invokes TARGET_FUNCTION_VERSION (the new version's ARN, from the template) with the health request
/// for TARGET_KIND and reports Succeeded or Failed. A failure, or no report, stops the deployment and rolls back.
/// </summary>
public static partial class PreTrafficHookFunction
{
    // Endpoints, region and credentials from the Lambda environment (AWS_ENDPOINT_URL_LAMBDA and
    // AWS_ENDPOINT_URL_CODEDEPLOY override the endpoints, as for any AWS SDK client: the tests point them at recorders).
    private static readonly AmazonLambdaClient Lambda = new();
    private static readonly AmazonCodeDeployClient CodeDeploy = new();
    private static readonly ILogger Log = PowertoolsLogKeys.CreateLoggerFactory().CreateLogger(typeof(PreTrafficHookFunction).FullName!);

    public static async Task Main()
    {
        using var bootstrap = LambdaBootstrapBuilder.Create(HandleAsync).Build();
        await bootstrap.RunAsync();
    }

    public static async Task HandleAsync(Stream input, ILambdaContext context)
    {
        var hook = await JsonSerializer.DeserializeAsync(input, HookJson.Default.PreTrafficEvent)
            ?? throw new InvalidOperationException("CodeDeploy sent no event.");
        using var logKeys = PowertoolsLogKeys.ForInvocation(context, hook.DeploymentId, ColdStart.Take());
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

        if (problem is null)
        {
            LogHealthy(Log, target);
        }
        else
        {
            LogUnhealthy(Log, target, problem);
        }

        await CodeDeploy.PutLifecycleEventHookExecutionStatusAsync(new PutLifecycleEventHookExecutionStatusRequest
        {
            DeploymentId = hook.DeploymentId,
            LifecycleEventHookExecutionId = hook.LifecycleEventHookExecutionId,
            Status = problem is null ? LifecycleEventStatus.Succeeded : LifecycleEventStatus.Failed,
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Target} is healthy: reported Succeeded")]
    private static partial void LogHealthy(ILogger logger, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Target} is not healthy: reported Failed. {Problem}")]
    private static partial void LogUnhealthy(ILogger logger, string target, string problem);
}

/// <summary>What CodeDeploy sends a lifecycle hook.</summary>
public sealed record PreTrafficEvent(string DeploymentId, string LifecycleEventHookExecutionId);

[JsonSerializable(typeof(PreTrafficEvent))]
internal sealed partial class HookJson : JsonSerializerContext;
