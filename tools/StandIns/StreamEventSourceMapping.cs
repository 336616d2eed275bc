using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Samples.StandIns;

/// <summary>
/// A local stand-in for Lambda's event source mapping on a DynamoDB stream, as the template configures the fan-out's:
/// it reads DynamoDB Local's stream of a table shard by shard, in order, and invokes the function with batches of up
/// to <see cref="Settings.BatchSize"/> records in Lambda's event shape (Records[].dynamodb, eventSourceARN). The answer's
/// batchItemFailures (ReportBatchItemFailures) retry the batch from the first failed record; a failed invocation is
/// retried, halved first (BisectBatchOnFunctionError); after <see cref="Settings.MaximumRetryAttempts"/> retries the
/// records are given up and logged, as an on-failure destination would receive them. Nothing here ships.
/// </summary>
/// <remarks>
/// The AWS SDK for .NET v4 has the Streams API in its own package (AWSSDK.DynamoDBStreams); this stand-in speaks the
/// three calls it needs (DescribeStream, GetShardIterator, GetRecords) over HTTP, as DynamoDB Local serves them.
/// </remarks>
public sealed partial class StreamEventSourceMapping : IAsyncDisposable
{
    /// <summary>What the template's event source mapping says (infra/template.yaml, ChatFanoutFunction's Events).</summary>
    public sealed record Settings
    {
        public int BatchSize { get; init; } = 100;

        public int MaximumRetryAttempts { get; init; } = 3;

        public bool BisectBatchOnFunctionError { get; init; } = true;

        /// <summary>How often an empty shard is read again; Lambda polls a shard about four times a second.</summary>
        public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);
    }

    private readonly HttpClient http;
    private readonly string tableName;
    private string streamArn;
    private readonly Func<string, CancellationToken, Task<string>> invoke;
    private readonly Settings settings;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly Dictionary<string, Task> shardReaders = new(StringComparer.Ordinal); // by the discovery loop only
    private readonly List<Task> readers = [];
    private Task discovery = Task.CompletedTask;

    private StreamEventSourceMapping(HttpClient http, string tableName, string streamArn, Func<string, CancellationToken, Task<string>> invoke, Settings settings, ILogger logger)
    {
        this.http = http;
        this.tableName = tableName;
        this.streamArn = streamArn;
        this.invoke = invoke;
        this.settings = settings;
        this.logger = logger;
    }

    /// <summary>Records given up after their retries, as the on-failure destination would receive them.</summary>
    public List<JsonObject> Discarded { get; } = [];

    /// <summary>Every invocation's batch size, in order (what a test of batching and bisecting reads).</summary>
    public List<int> Invocations { get; } = [];

    /// <summary>
    /// A function hosted in this process, as the mapping invokes it: its handler takes the event's JSON and answers JSON,
    /// as Lambda's runtime passes them (for example the Chat fan-out's <c>FanOutFunction.InvokeAsync</c>).
    /// </summary>
    public static Func<string, CancellationToken, Task<string>> InProcess(Func<Stream, CancellationToken, Task<Stream>> handler) =>
        async (eventJson, cancellationToken) =>
        {
            using var input = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(eventJson));
            await using var output = await handler(input, cancellationToken);
            using var reader = new StreamReader(output);
            return await reader.ReadToEndAsync(cancellationToken);
        };

    /// <summary>
    /// Starts reading <paramref name="tableName"/>'s stream at DynamoDB Local's <paramref name="dynamoDbUrl"/> from its
    /// oldest record (TRIM_HORIZON: the table is as new as the run), invoking <paramref name="invoke"/> with each batch's
    /// event JSON; it answers the function's JSON or throws for a failed invocation.
    /// </summary>
    public static async Task<StreamEventSourceMapping> StartAsync(
        string dynamoDbUrl, string tableName, Func<string, CancellationToken, Task<string>> invoke, ILogger logger, Settings? settings = null, CancellationToken cancellationToken = default)
    {
        var http = new HttpClient { BaseAddress = new Uri(dynamoDbUrl) };
        var streamArn = await LatestStreamArnAsync(http, tableName, cancellationToken)
            ?? throw new InvalidOperationException($"Table {tableName} has no stream: its StreamSpecification is missing.");
        var mapping = new StreamEventSourceMapping(http, tableName, streamArn, invoke, settings ?? new Settings(), logger);
        mapping.discovery = Task.Run(mapping.DiscoverShardsAsync, CancellationToken.None);
        return mapping;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await discovery;
        Task[] running;
        lock (readers)
        {
            running = [.. readers];
        }

        await Task.WhenAll(running);
        http.Dispose();
        stopping.Dispose();
    }

    /// <summary>
    /// Starts a reader for each shard as it appears (DynamoDB rolls shards over; a child starts after its parent). When
    /// the table is made again (make run's keeper restarts an in-memory DynamoDB Local), its new stream is read instead.
    /// </summary>
    private async Task DiscoverShardsAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                streamArn = await LatestStreamArnAsync(http, tableName, stopping.Token) ?? streamArn;
                var description = await CallAsync(http, "DynamoDBStreams_20120810.DescribeStream", new JsonObject { ["StreamArn"] = streamArn }, stopping.Token);
                foreach (var shard in description["StreamDescription"]?["Shards"]?.AsArray() ?? [])
                {
                    var shardId = shard!["ShardId"]!.GetValue<string>();
                    var parent = shard["ParentShardId"]?.GetValue<string>();
                    if (!shardReaders.ContainsKey(shardId))
                    {
                        var parentReader = parent is not null ? shardReaders.GetValueOrDefault(parent, Task.CompletedTask) : Task.CompletedTask;
                        var stream = streamArn;
                        var reader = Task.Run(async () =>
                        {
                            await parentReader; // a key's records stay in order across the roll-over
                            await ReadShardAsync(stream, shardId);
                        });
                        shardReaders[shardId] = reader;
                        lock (readers)
                        {
                            readers.Add(reader);
                        }
                    }
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stopping.Token);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException exception)
            {
                LogStreamUnavailable(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        }
    }

    private async Task ReadShardAsync(string stream, string shardId)
    {
        string? delivered = null; // the last sequence number handed to the function
        try
        {
            var iterator = await IteratorAsync(stream, shardId, delivered);
            while (iterator is not null && !stopping.IsCancellationRequested)
            {
                JsonNode page;
                try
                {
                    page = await CallAsync(http, "DynamoDBStreams_20120810.GetRecords", new JsonObject { ["ShardIterator"] = iterator, ["Limit"] = settings.BatchSize }, stopping.Token);
                }
                catch (HttpRequestException exception)
                {
                    if (stream != streamArn)
                    {
                        return; // the table was made again: its new stream has readers of its own
                    }

                    // An iterator that expired or points before the shard's oldest record (DynamoDB Local hands out such
                    // iterators for a shard that was empty), or DynamoDB Local restarting: read on from the last
                    // record delivered, as Lambda's poller does with its checkpoint.
                    LogStreamUnavailable(logger, exception);
                    await Task.Delay(settings.PollInterval, stopping.Token);
                    iterator = await IteratorAsync(stream, shardId, delivered);
                    continue;
                }

                var records = page["Records"]?.AsArray().Select(record => record!.AsObject()).ToList() ?? [];
                iterator = page["NextShardIterator"]?.GetValue<string>(); // null: the shard is closed and read to its end
                if (records.Count == 0)
                {
                    await Task.Delay(settings.PollInterval, stopping.Token);
                    continue;
                }

                await DeliverAsync(records, attempt: 0);
                delivered = SequenceNumber(records[^1]);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task<string?> IteratorAsync(string stream, string shardId, string? after)
    {
        var request = new JsonObject { ["StreamArn"] = stream, ["ShardId"] = shardId, ["ShardIteratorType"] = after is null ? "TRIM_HORIZON" : "AFTER_SEQUENCE_NUMBER" };
        if (after is not null)
        {
            request["SequenceNumber"] = after;
        }

        while (true)
        {
            try
            {
                return (await CallAsync(http, "DynamoDBStreams_20120810.GetShardIterator", request, stopping.Token))["ShardIterator"]?.GetValue<string>();
            }
            catch (HttpRequestException exception) when (stream == streamArn)
            {
                LogStreamUnavailable(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(1), stopping.Token);
            }
            catch (HttpRequestException)
            {
                return null; // the stream is gone with its table
            }
        }
    }

    /// <summary>One batch until it succeeds or its retries are spent; a partial failure retries from the first failed record.</summary>
    private async Task DeliverAsync(List<JsonObject> batch, int attempt)
    {
        string? failedFrom;
        try
        {
            lock (Invocations)
            {
                Invocations.Add(batch.Count);
            }

            var answer = await invoke(EventJson(batch), stopping.Token);
            failedFrom = FirstFailure(answer);
            if (failedFrom is null)
            {
                return;
            }
        }
        catch (Exception exception) when (!stopping.IsCancellationRequested)
        {
            LogInvocationFailed(logger, batch.Count, attempt, exception);
            if (attempt >= settings.MaximumRetryAttempts)
            {
                Discard(batch);
                return;
            }

            await Task.Delay(Backoff(attempt), stopping.Token);
            if (settings.BisectBatchOnFunctionError && batch.Count > 1)
            {
                var half = batch.Count / 2;
                await DeliverAsync(batch[..half], attempt + 1);
                await DeliverAsync(batch[half..], attempt + 1);
            }
            else
            {
                await DeliverAsync(batch, attempt + 1);
            }

            return;
        }

        // ReportBatchItemFailures: the records before the first failure are done; the rest are retried.
        var rest = batch.SkipWhile(record => SequenceNumber(record) != failedFrom).ToList();
        if (rest.Count == 0)
        {
            rest = batch; // an identifier that names no record of the batch: Lambda retries the whole batch
        }

        if (attempt >= settings.MaximumRetryAttempts)
        {
            Discard(rest);
            return;
        }

        await Task.Delay(Backoff(attempt), stopping.Token);
        await DeliverAsync(rest, attempt + 1);
    }

    /// <summary>The event Lambda sends: the stream's records as GetRecords returns them, with the stream's ARN.</summary>
    private string EventJson(List<JsonObject> batch)
    {
        var records = new JsonArray();
        foreach (var record in batch)
        {
            var copy = record.DeepClone().AsObject();
            copy["eventSourceARN"] = streamArn;
            records.Add(copy);
        }

        return new JsonObject { ["Records"] = records }.ToJsonString();
    }

    private static string? FirstFailure(string answer)
    {
        if (string.IsNullOrWhiteSpace(answer) || JsonNode.Parse(answer) is not JsonObject response)
        {
            return null;
        }

        return (response["batchItemFailures"] ?? response["BatchItemFailures"])?.AsArray()
            .Select(failure => (failure?["itemIdentifier"] ?? failure?["ItemIdentifier"])?.GetValue<string>())
            .FirstOrDefault(identifier => identifier is not null);
    }

    private void Discard(List<JsonObject> records)
    {
        lock (Discarded)
        {
            Discarded.AddRange(records);
        }

        LogDiscarded(logger, records.Count, SequenceNumber(records[0]));
    }

    private static async Task<string?> LatestStreamArnAsync(HttpClient http, string tableName, CancellationToken cancellationToken) =>
        (await CallAsync(http, "DynamoDB_20120810.DescribeTable", new JsonObject { ["TableName"] = tableName }, cancellationToken))["Table"]?["LatestStreamArn"]?.GetValue<string>();

    private static string SequenceNumber(JsonObject record) => record["dynamodb"]!["SequenceNumber"]!.GetValue<string>();

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(2000, 100 * Math.Pow(2, attempt)));

    private static async Task<JsonNode> CallAsync(HttpClient http, string target, JsonObject body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.0");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        // DynamoDB Local wants a signature's shape, not a valid signature.
        request.Headers.TryAddWithoutValidation("Authorization", string.Create(CultureInfo.InvariantCulture,
            $"AWS4-HMAC-SHA256 Credential=local/{DateTime.UtcNow:yyyyMMdd}/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"));
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(text) ?? new JsonObject()
            : throw new HttpRequestException($"{target} answered {(int)response.StatusCode}: {text}", null, response.StatusCode);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local event source mapping: the stream cannot be read; trying again")]
    private static partial void LogStreamUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local event source mapping: an invocation with {Records} records failed (retry {Attempt})")]
    private static partial void LogInvocationFailed(ILogger logger, int records, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Local event source mapping: {Records} records from {SequenceNumber} given up after their retries")]
    private static partial void LogDiscarded(ILogger logger, int records, string sequenceNumber);
}
