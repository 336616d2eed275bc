using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Samples.Testing;

/// <summary>
/// What a function writes to CloudWatch Logs, read as CloudWatch reads it: Powertools log lines (one JSON object per
/// line, nothing before it) and EMF documents (a JSON object with an "_aws" key), and nothing else.
/// </summary>
public static class LambdaLogs
{
    /// <summary>The keys every log line of a request carries (PowertoolsLogKeys and Powertools' own).</summary>
    public static readonly string[] RequestKeys = ["level", "message", "timestamp", "service", "cold_start", "function_name", "function_request_id", "xray_trace_id", "correlation_id"];

    /// <summary>
    /// Lines a library writes on its own, which no code of ours causes or can turn off. Each with its reason; every
    /// other line must be a Powertools log line or an EMF document.
    /// </summary>
    private static readonly (string Line, string Reason)[] LibraryLines =
    [
        ("##WARNING##: Failed to Add dimension 'Service'. Dimension already exists.",
            "Powertools Metrics, at the first ColdStart metric: PushSingleMetric adds the Service dimension from the options and again from the default dimensions (MetricDirective.AddDimension writes this with Console.WriteLine)."),
    ];

    /// <summary>The Powertools log lines of the output, each asserted to be one JSON object with the request keys.</summary>
    public static IReadOnlyList<JsonObject> AssertEveryLineIsPowertoolsJson(IReadOnlyList<string> output, string service)
    {
        var lines = new List<JsonObject>();
        foreach (var line in output.Where(line => !LibraryLines.Any(known => line.EndsWith(known.Line, StringComparison.Ordinal))))
        {
            Assert.True(line.StartsWith('{'), $"Not a JSON log line (something before the JSON, or plain text): {line}");
            var json = Parse(line);
            if (json.ContainsKey("_aws"))
            {
                continue;
            }

            foreach (var key in RequestKeys)
            {
                Assert.True(json.ContainsKey(key), $"The log line has no {key}: {line}");
            }

            Assert.Equal(service, json["service"]!.GetValue<string>());
            lines.Add(json);
        }

        Assert.NotEmpty(lines);
        return lines;
    }

    /// <summary>
    /// The request log messages ("GET /users/me answered 404") of SnapStart's before-snapshot warm-up, in order: the
    /// lines whose correlation id is a warm-up request's. The runtime client still prefixes the console then (its
    /// timestamp, request id and level before the JSON), so the JSON is read from its first brace.
    /// </summary>
    public static IReadOnlyList<string> WarmUpAnswers(IReadOnlyList<string> output) =>
        [.. output.Select(line => line.IndexOf('{', StringComparison.Ordinal) is var at and >= 0 ? line[at..] : "")
            .Where(json => json.Contains(ServiceDefaults.SnapStartWarmUp.Subject, StringComparison.Ordinal))
            .Select(Parse)
            .Where(json => json["correlation_id"]?.GetValue<string>().StartsWith(ServiceDefaults.SnapStartWarmUp.Subject, StringComparison.Ordinal) == true)
            .Select(json => json["message"]!.GetValue<string>())
            .Where(message => message.Contains(" answered ", StringComparison.Ordinal))
            .Select(message => message[..message.LastIndexOf(" in ", StringComparison.Ordinal)])]; // without the time it took

    /// <summary>The EMF documents of the output.</summary>
    public static IReadOnlyList<JsonObject> MetricDocuments(IReadOnlyList<string> output) =>
        [.. output.Where(line => line.StartsWith('{')).Select(Parse).Where(json => json.ContainsKey("_aws"))];

    /// <summary>
    /// Each metric was written exactly once, in an EMF document of <paramref name="metricsNamespace"/> with the Service
    /// dimension naming <paramref name="service"/>: ColdStart (once per execution environment) and the business metrics.
    /// </summary>
    public static void AssertMetricsOnce(IReadOnlyList<string> output, string metricsNamespace, string service, params string[] metrics)
    {
        var documents = MetricDocuments(output);
        foreach (var metric in metrics.Prepend("ColdStart"))
        {
            var carrying = documents.Where(document => document.ContainsKey(metric)).ToList();
            Assert.True(carrying.Count == 1, $"{metric} is in {carrying.Count} EMF documents:\n{string.Join('\n', documents)}");
            var document = carrying[0];
            var directive = document["_aws"]!["CloudWatchMetrics"]![0]!;
            Assert.Equal(metricsNamespace, directive["Namespace"]!.GetValue<string>());
            Assert.Contains("Service", directive["Dimensions"]![0]!.AsArray().Select(dimension => dimension!.GetValue<string>()));
            Assert.Contains(metric, directive["Metrics"]!.AsArray().Select(entry => entry!["Name"]!.GetValue<string>()));
            Assert.Equal(service, document["Service"]!.GetValue<string>());
        }
    }

    private static JsonObject Parse(string line)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException exception)
        {
            Assert.Fail($"Not one JSON object ({exception.Message}): {line}");
            throw;
        }
    }
}
