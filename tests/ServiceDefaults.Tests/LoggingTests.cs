using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Http;
using Samples.ServiceDefaults.Logging;

namespace Samples.ServiceDefaults.Tests;

/// <summary>Logs are what CloudWatch will be queried by: snake_case JSON, each line of a request with its correlation id.</summary>
public sealed class LoggingTests(ProductsApp app) : IClassFixture<ProductsApp>
{
    [Fact]
    public async Task Every_log_line_written_while_handling_a_request_carries_its_correlation_id()
    {
        var capture = new ScopeCapture();
        using var factory = app.WithWebHostBuilder(builder => builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(capture);
            logging.AddFilter<ScopeCapture>(level => level >= LogLevel.Debug);
        }));
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/products");
        request.Headers.Add(CorrelationId.HeaderName, "trace-me-42");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        var endpointLines = capture.Lines.Where(line => line.Category.StartsWith("Microsoft.AspNetCore.Routing", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(endpointLines);
        Assert.All(endpointLines, line => Assert.Equal("trace-me-42", line.CorrelationId));
    }

    public static TheoryData<string, string?> RefusedTokens() => new()
    {
        { "expired", TestIssuer.Token("admin-sub", ["admin"], expires: DateTime.UtcNow.AddMinutes(-10)) },
        { "signature not made by the user pool's keys", TestIssuer.Token("admin-sub", ["admin"], foreignKey: true) },
        { "another issuer", TestIssuer.Token("admin-sub", ["admin"], issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other") },
        { "another app client", TestIssuer.Token("admin-sub", ["admin"], audience: "another-client") },
        { "not a well-formed JWT", "not-a-jwt" },
        { "signature not made by the user pool's keys", TestIssuer.UnsignedToken("admin-sub") },
        { "no bearer token", null },
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task A_refused_token_is_logged_once_at_warning_with_its_reason_and_correlation_id_and_never_the_token(string reason, string? token)
    {
        var capture = new ScopeCapture();
        using var factory = app.WithWebHostBuilder(builder => builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(capture);
            logging.AddFilter<ScopeCapture>(level => level >= LogLevel.Debug);
        }));
        using var client = factory.CreateClient();
        var correlationId = $"refusal-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/products") { Content = System.Net.Http.Json.JsonContent.Create(ProductsApp.ValidBody()) };
        request.Headers.Add(CorrelationId.HeaderName, correlationId);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        var refusal = Assert.Single(capture.Lines, line => line.Level >= LogLevel.Warning && line.CorrelationId == correlationId);
        Assert.Equal(LogLevel.Warning, refusal.Level);
        Assert.Contains("Refused (401)", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(reason, refusal.Message, StringComparison.Ordinal);
        if (token is not null)
        {
            var signature = token.Split('.')[^1];
            Assert.DoesNotContain(capture.Lines, line => line.Message.Contains(token, StringComparison.Ordinal)
                || (signature.Length > 10 && line.Message.Contains(signature, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task A_caller_without_the_admin_group_is_logged_once_as_a_403_with_the_unmet_requirement()
    {
        var capture = new ScopeCapture();
        using var factory = app.WithWebHostBuilder(builder => builder.ConfigureLogging(logging => logging.AddProvider(capture)));
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", ProductsApp.MemberToken);

        using var response = await client.PostAsync("/products", System.Net.Http.Json.JsonContent.Create(ProductsApp.ValidBody()), TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
        var refusal = Assert.Single(capture.Lines, line => line.Level >= LogLevel.Warning);
        Assert.Contains("Refused (403)", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("admin", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_protection_keeps_its_keys_in_memory_so_a_cold_start_logs_no_key_file_warning()
    {
        // The default key manager looks for a writable key directory and an XML encryptor; in Lambda it finds
        // neither and logs "No XML encryptor configured" / "Using an ephemeral key repository" at cold start.
        // Bearer-token APIs need no persisted keys: the ephemeral provider never creates that manager.
        var provider = app.Services.GetRequiredService<IDataProtectionProvider>();

        Assert.IsType<EphemeralDataProtectionProvider>(provider);
        var protector = provider.CreateProtector("test");
        Assert.Equal("payload", protector.Unprotect(protector.Protect("payload")));
    }

    [Fact]
    public void The_json_formatter_writes_powertools_keys_in_snake_case_with_scope_values()
    {
        var formatter = new JsonLogFormatter(new FixedOptions(new JsonLogFormatterOptions { Service = "products" }));
        var scopes = new LoggerExternalScopeProvider();
        IReadOnlyList<KeyValuePair<string, object?>> state =
            [new("ProductId", "p-1"), new("Attempt", 3), new("{OriginalFormat}", "Saved {ProductId} on attempt {Attempt}")];
        using var writer = new StringWriter();

        using (scopes.Push(new KeyValuePair<string, object>[] { new(CorrelationId.LogKey, "abc-123") }))
        {
            formatter.Write(new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(
                LogLevel.Warning, "Samples.Products", new EventId(7), state, null, (_, _) => "Saved p-1 on attempt 3"), scopes, writer);
        }

        var line = JsonNode.Parse(writer.ToString())!.AsObject();
        Assert.Equal("Warning", line["level"]!.GetValue<string>());
        Assert.Equal("products", line["service"]!.GetValue<string>());
        Assert.Equal("Saved p-1 on attempt 3", line["message"]!.GetValue<string>());
        Assert.Equal("abc-123", line["correlation_id"]!.GetValue<string>());
        Assert.Equal("p-1", line["product_id"]!.GetValue<string>());
        Assert.Equal(3, line["attempt"]!.GetValue<long>());
        Assert.Equal(7, line["event_id"]!.GetValue<int>());
        Assert.True(DateTimeOffset.TryParse(line["timestamp"]!.GetValue<string>(), out _));
        Assert.False(line.ContainsKey("{OriginalFormat}"));
    }

    [Fact]
    public void Numbers_json_cannot_hold_are_written_as_strings_and_large_ones_exactly()
    {
        var formatter = new JsonLogFormatter(new FixedOptions(new JsonLogFormatterOptions { Service = "products" }));
        IReadOnlyList<KeyValuePair<string, object?>> state =
        [
            new("NotANumber", double.NaN), new("Infinite", float.PositiveInfinity), new("Huge", 1e300), new("Big", ulong.MaxValue), new("Price", 12.50m),
        ];
        using var writer = new StringWriter();

        formatter.Write(new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(
            LogLevel.Information, "Samples.Products", default, state, null, (_, _) => "numbers"), new LoggerExternalScopeProvider(), writer);

        var line = JsonNode.Parse(writer.ToString())!.AsObject();
        Assert.Equal("NaN", line["not_a_number"]!.GetValue<string>());
        Assert.Equal("Infinity", line["infinite"]!.GetValue<string>());
        Assert.Equal(1e300, line["huge"]!.GetValue<double>());
        Assert.Equal(ulong.MaxValue, line["big"]!.GetValue<ulong>());
        Assert.Equal("12.50", line["price"]!.ToJsonString());
    }

    private sealed class FixedOptions(JsonLogFormatterOptions value) : IOptionsMonitor<JsonLogFormatterOptions>
    {
        public JsonLogFormatterOptions CurrentValue => value;

        public JsonLogFormatterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<JsonLogFormatterOptions, string?> listener) => null;
    }

    /// <summary>Records each log line with the correlation id found in its scopes.</summary>
    private sealed class ScopeCapture : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<(string Category, string? CorrelationId, LogLevel Level, string Message)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapture owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner.scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                string? correlationId = null;
                owner.scopes.ForEachScope((scope, _) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object>> values
                        && values.FirstOrDefault(pair => pair.Key == CorrelationId.LogKey).Value is string id)
                    {
                        correlationId = id;
                    }
                }, (object?)null);
                owner.Lines.Enqueue((category, correlationId, logLevel, formatter(state, exception) + (exception is null ? "" : "\n" + exception)));
            }
        }
    }
}
