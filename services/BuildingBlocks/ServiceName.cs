using Microsoft.Extensions.Hosting;

namespace Samples.BuildingBlocks;

/// <summary>The service's name in logs, metrics and its Idempotency-Key records' prefix.</summary>
public static class ServiceName
{
    /// <summary>POWERTOOLS_SERVICE_NAME (the template sets it), else the application's name in lower case.</summary>
    public static string Of(IHostEnvironment environment) =>
        Environment.GetEnvironmentVariable("POWERTOOLS_SERVICE_NAME") is { Length: > 0 } name
            ? name
            : environment.ApplicationName.ToLowerInvariant();
}
