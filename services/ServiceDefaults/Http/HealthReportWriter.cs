using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Samples.ServiceDefaults.Http;

/// <summary>
/// /health's body: "Healthy" (text) when every check passes; otherwise a 503 problem that names each failing
/// dependency and what is wrong with it ("dynamodb": "Table ProductsTable does not exist."), never an exception's text.
/// </summary>
internal static class HealthReportWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        if (report.Status != HealthStatus.Unhealthy)
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync(report.Status.ToString());
        }

        var failing = report.Entries.Where(entry => entry.Value.Status == HealthStatus.Unhealthy).ToList();
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Service unhealthy",
            Detail = "Failing: " + string.Join("; ", failing.Select(entry => $"{entry.Key} ({entry.Value.Description ?? "no answer"})")),
        };
        problem.Extensions["checks"] = failing.ToDictionary(entry => entry.Key, entry => entry.Value.Description ?? "no answer");
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
        }).AsTask();
    }
}

/// <summary>
/// The types ServiceDefaults itself puts in problem bodies (the failing <c>checks</c>), so that each service's own
/// source-generated context needs only its own types: under Native AOT there is no reflection to fall back on.
/// </summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ProblemExtensionsJson : JsonSerializerContext;
