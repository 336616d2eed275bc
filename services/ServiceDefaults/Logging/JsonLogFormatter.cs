using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Samples.ServiceDefaults.Logging;

/// <summary>
/// One JSON object per line with Powertools' snake_case keys (timestamp, level, service, message,
/// correlation_id...), so what a developer reads locally is what they query in CloudWatch.
/// </summary>
public sealed class JsonLogFormatter(IOptionsMonitor<JsonLogFormatterOptions> options) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "powertools-json";

    // Log lines are read by people and CloudWatch, not embedded in HTML: escape only what JSON requires.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("level", logEntry.LogLevel.ToString());
            writer.WriteString("service", options.CurrentValue.Service);
            writer.WriteString("message", message);
            writer.WriteString("category", logEntry.Category);
            if (logEntry.EventId.Id != 0)
            {
                writer.WriteNumber("event_id", logEntry.EventId.Id);
            }

            scopeProvider?.ForEachScope(static (scope, json) => WriteProperties(json, scope), writer);
            WriteProperties(writer, logEntry.State);
            if (logEntry.Exception is { } exception)
            {
                writer.WriteString("exception", exception.ToString());
            }

            writer.WriteEndObject();
        }

        textWriter.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void WriteProperties(Utf8JsonWriter writer, object? state)
    {
        if (state is not IEnumerable<KeyValuePair<string, object?>> properties)
        {
            return;
        }

        foreach (var (key, value) in properties)
        {
            if (key == "{OriginalFormat}")
            {
                continue;
            }

            writer.WritePropertyName(JsonNamingPolicy.SnakeCaseLower.ConvertName(key));
            switch (value)
            {
                case null: writer.WriteNullValue(); break;
                case bool flag: writer.WriteBooleanValue(flag); break;
                case int or long or short or byte or sbyte or ushort or uint: writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)); break;
                case ulong number: writer.WriteNumberValue(number); break;
                case decimal number: writer.WriteNumberValue(number); break;
                // JSON has no NaN or infinity: those are written as strings, so a log call never throws.
                case double number when double.IsFinite(number): writer.WriteNumberValue(number); break;
                case float number when float.IsFinite(number): writer.WriteNumberValue(number); break;
                default: writer.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            }
        }
    }
}

public sealed class JsonLogFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>The <c>service</c> key: POWERTOOLS_SERVICE_NAME when set, else the application name.</summary>
    public string Service { get; set; } = "service";
}
