using AWS.Lambda.Powertools.Logging;

namespace Samples.ServiceDefaults.Logging;

/// <summary>
/// The shape of every Powertools log line in Lambda: Powertools' own keys in snake_case, then the request's keys that
/// <see cref="PowertoolsLogKeys"/> appends. A custom formatter (Powertools' documented ILogFormatter) because behind
/// ASP.NET Core hosting no [Logging] handler captures the Lambda context, and Powertools' default format fills
/// function_name, function_request_id, cold_start and xray_trace_id only from that context and its own trackers: an
/// appended key of the same name is dropped. Here the request's own values win, read from the keys it appended.
/// </summary>
public sealed class PowertoolsLogFormat : ILogFormatter
{
    public object FormatLogEntry(LogEntry logEntry)
    {
        var line = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["level"] = logEntry.Level.ToString(),
            ["message"] = logEntry.Message?.ToString() ?? "",
            ["timestamp"] = logEntry.Timestamp.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
            ["service"] = logEntry.Service,
            ["name"] = logEntry.Name,
        };

        // Outside a request (start-up, shutdown) only the function's name is known.
        if (Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_NAME") is { Length: > 0 } functionName)
        {
            line[PowertoolsLogKeys.FunctionName] = functionName;
        }

        foreach (var (key, value) in logEntry.ExtraKeys ?? [])
        {
            line[key] = value;
        }

        if (logEntry.Exception is { } exception)
        {
            line["exception"] = exception.GetType().FullName + ": " + exception.Message;
            line["stack_trace"] = exception.StackTrace ?? "";
        }

        return line;
    }
}
