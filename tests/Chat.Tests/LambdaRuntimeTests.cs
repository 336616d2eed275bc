using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Samples.DeploymentHooks;
using Samples.ServiceDefaults;

namespace Samples.Chat.Tests;

/// <summary>
/// Chat and its $connect authorizer as Lambda runs them: each function's real runtime client loop (the managed build,
/// or the Native AOT bootstrap under `make test-aot`), fed the WebSocket API's events with the REQUEST authorizer's
/// context, and the authorizer's own event. Chat's replies go through the API Gateway Management API client to a
/// recording endpoint, as they would to https://{api}.execute-api.{region}.amazonaws.com/{stage}.
/// </summary>
[Trait("Category", "LambdaRuntime")]
public sealed class LambdaRuntimeTests : IAsyncLifetime
{
    private const string Pool = "us-east-1_TestPool";

    private RecordingServer managementApi = null!;
    private RecordingServer cognito = null!;
    private LambdaFunction chat = null!;
    private LambdaFunction authorizer = null!;
    private string table = "";
    private string messagesTable = "";

    private string Authority => cognito.Url + Pool;

    public async ValueTask InitializeAsync()
    {
        table = await TestTables.CreateAsync("ConnectionsTable");
        messagesTable = await TestTables.CreateAsync("MessagesTable");
        managementApi = await RecordingServer.StartAsync(_ => Task.FromResult(Results.Ok()));
        cognito = await RecordingServer.StartAsync(request => Task.FromResult(
            TestIssuer.Document(Authority, new Uri(cognito.Url, request.Path).ToString()) is { } document ? Results.Json(document) : Results.NotFound()));
        chat = await LambdaFunction.StartAsync("Chat", "Chat", "ChatFunction", await ChatEnvironmentAsync(table));
        authorizer = await LambdaFunction.StartAsync("Chat.Authorizer", "Chat.Authorizer", "ChatAuthorizerFunction", new Dictionary<string, string>
        {
            ["Auth__Authority"] = Authority,
            ["Auth__Audience"] = TestIssuer.ClientId,
            ["POWERTOOLS_SERVICE_NAME"] = "chat-authorizer",
            ["POWERTOOLS_LOG_LEVEL"] = "Information",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await chat.DisposeAsync();
        await authorizer.DisposeAsync();
        await managementApi.DisposeAsync();
        await cognito.DisposeAsync();
    }

    [Fact]
    public async Task The_authorizer_allows_a_valid_token_with_the_callers_id_and_name_as_context()
    {
        var token = TestIssuer.Token("ada-sub", issuer: Authority, email: "ada@example.com");

        var answer = await authorizer.InvokeForAnswerAsync(GatewayEvents.ConnectAuthorizer(token));

        Assert.Equal("ada-sub", answer["principalId"]!.GetValue<string>());
        var statement = answer["policyDocument"]!["Statement"]![0]!;
        Assert.Equal("Allow", statement["Effect"]!.GetValue<string>());
        Assert.Equal("execute-api:Invoke", statement["Action"]![0]!.GetValue<string>());
        Assert.EndsWith("/prod/$connect", statement["Resource"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("ada-sub", answer["context"]!["userId"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(answer["context"]!["displayName"]!.GetValue<string>()));
        var lines = LambdaLogs.AssertEveryLineIsPowertoolsJson(await authorizer.SettledOutputAsync(), "chat-authorizer");
        Assert.DoesNotContain(lines, line => line.ToJsonString().Contains(token, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("foreign-key")]
    [InlineData("missing")]
    [InlineData("other-pool")]
    public async Task The_authorizer_denies_a_token_that_is_not_a_current_token_of_the_pool(string kind)
    {
        var token = kind switch
        {
            "expired" => TestIssuer.Token("ada-sub", issuer: Authority, expires: DateTime.UtcNow.AddMinutes(-5)),
            "foreign-key" => TestIssuer.Token("ada-sub", issuer: Authority, foreignKey: true),
            "other-pool" => TestIssuer.Token("ada-sub"),
            _ => null,
        };

        var answer = await authorizer.InvokeForAnswerAsync(GatewayEvents.ConnectAuthorizer(token));

        Assert.Equal("Deny", answer["policyDocument"]!["Statement"]![0]!["Effect"]!.GetValue<string>());
        Assert.True(answer["context"] is null || answer["context"]!.AsObject().Count == 0, answer.ToJsonString());
        var denied = Assert.Single(LambdaLogs.AssertEveryLineIsPowertoolsJson(await authorizer.SettledOutputAsync(), "chat-authorizer"), line => line["level"]!.GetValue<string>() == "Warning");
        Assert.DoesNotContain("eyJ", denied.ToJsonString(), StringComparison.Ordinal); // the reason, never the token
    }

    [Fact]
    public async Task Members_connect_chat_and_leave_with_replies_posted_through_the_management_api()
    {
        var ada = Context("ada-sub", "Ada");
        var bob = Context("bob-sub", "Bob");
        Assert.Equal(200, (await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "ada-conn=", authorizerContext: ada, query: Room("lobby")))).StatusCode());
        Assert.Equal(200, (await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "bob-conn=", authorizerContext: bob, query: Room("lobby")))).StatusCode());
        var stored = await TestTables.GetItemAsync(table, "connectionId", "ada-conn=");
        Assert.Equal("ada-sub", stored!["userId"].S);

        // Bob's arrival was announced to Ada, and to no one else (his own connection opens only after $connect).
        var joined = Assert.Single(managementApi.Requests, request => request.Method == "POST");
        Assert.Equal("/prod/@connections/ada-conn=", joined.Path);
        Assert.Equal("""{"type":"presence","room":"lobby","event":"joined","user":{"userId":"bob-sub","displayName":"Bob"}}""", joined.Body);

        var sent = await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("sendMessage", "ada-conn=", """{"action":"sendMessage","text":"hello"}""", ada));

        // The sender's event only stores the message: the fan-out function delivers it (the next test).
        Assert.Equal(200, sent.StatusCode());
        Assert.DoesNotContain(managementApi.Requests, request => request.Body.Contains("\"type\":\"message\"", StringComparison.Ordinal));
        var message = Assert.Single(await TestTables.SnapshotAsync(messagesTable));
        Assert.Contains("text=hello", message, StringComparison.Ordinal);

        // A later member asks for the room's history, its first frame, and gets the message.
        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "cyd-conn=", authorizerContext: Context("cyd-sub", "Cyd"), query: Room("lobby")));
        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("history", "cyd-conn=", """{"action":"history"}""", Context("cyd-sub", "Cyd")));
        var history = JsonNode.Parse(managementApi.Requests.Last(request => request.Path == "/prod/@connections/cyd-conn=").Body)!;
        Assert.Equal("history", history["type"]!.GetValue<string>());
        Assert.Equal(["hello"], history["messages"]!.AsArray().Select(message => message!["text"]!.GetValue<string>()));
        Assert.Null(history["before"]);

        Assert.Equal(200, (await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$disconnect", "bob-conn=", authorizerContext: bob))).StatusCode());
        Assert.Null(await TestTables.GetItemAsync(table, "connectionId", "bob-conn="));
        var left = JsonNode.Parse(managementApi.Requests.Last(request => request.Path == "/prod/@connections/ada-conn=").Body)!;
        Assert.Equal(["presence", "left", "bob-sub"], new[] { left["type"], left["event"], left["user"]!["userId"] }.Select(node => node!.GetValue<string>()));

        LambdaLogs.AssertEveryLineIsPowertoolsJson(await chat.SettledOutputAsync(), "chat");
        Assert.Contains(await chat.XRaySegmentsAsync(), segment => JsonNode.Parse(segment)!["aws"]?["operation"]?.GetValue<string>() == "Query");
    }

    [Fact]
    public async Task The_fan_out_function_delivers_each_stored_message_to_every_connection_of_its_room_from_the_stream()
    {
        var (ada, bob, cyd) = (Context("ada-sub", "Ada"), Context("bob-sub", "Bob"), Context("cyd-sub", "Cyd"));
        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "ada-conn=", authorizerContext: ada, query: Room("lobby")));
        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "bob-conn=", authorizerContext: bob, query: Room("lobby")));
        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "cyd-conn=", authorizerContext: cyd, query: Room("kitchen")));
        await using var fanOut = await LambdaFunction.StartAsync("Chat.Fanout", "Chat.Fanout", "ChatFanoutFunction", await FanOutEnvironmentAsync(table));

        // The stream's event source mapping, as Lambda runs it, invoking the function under the Lambda runtime.
        await using (var mapping = await StreamEventSourceMapping.StartAsync(await DynamoDbEndpoint.UrlAsync(), messagesTable, (json, _) => InvokeAsync(fanOut, json), NullLogger.Instance, cancellationToken: TestContext.Current.CancellationToken))
        {
            await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("sendMessage", "ada-conn=", """{"action":"sendMessage","text":"hello"}""", ada));
            await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("sendMessage", "bob-conn=", """{"action":"sendMessage","text":"hi ada"}""", bob));
            for (var wait = 0; wait < 100 && MessagePosts().Count < 4; wait++)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            Assert.Empty(mapping.Discarded);
        }

        var posts = MessagePosts();
        Assert.Equal(
            ["/prod/@connections/ada-conn= hello", "/prod/@connections/ada-conn= hi ada", "/prod/@connections/bob-conn= hello", "/prod/@connections/bob-conn= hi ada"],
            posts.Select(post => $"{post.Path} {post.Frame["text"]!.GetValue<string>()}").Order(StringComparer.Ordinal));
        Assert.All(posts, post => Assert.Equal("lobby", post.Frame["room"]!.GetValue<string>()));
        LambdaLogs.AssertEveryLineIsPowertoolsJson(await fanOut.SettledOutputAsync(), "chat-fanout");
        // One EMF document per invocation; the two messages may come in one batch or two.
        var documents = LambdaLogs.MetricDocuments(await fanOut.SettledOutputAsync());
        Assert.All(documents, document => Assert.Equal("chat-fanout", document["Service"]!.GetValue<string>()));
        Assert.Single(documents, document => document.ContainsKey("ColdStart"));
        Assert.Equal(2, documents.Sum(document => Total(document["MessagesBroadcast"])));
        Assert.Equal(4, documents.Sum(document => Total(document["MessagesDelivered"])));
    }

    [Fact]
    public async Task Members_the_send_allowance_and_the_connection_cap_hold_under_the_Lambda_runtime()
    {
        var (ada, bob) = (Context("ada-sub", "Ada"), Context("bob-sub", "Bob"));
        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "ada-conn=", authorizerContext: ada, query: Room("lobby")));
        for (var tab = 0; tab < 6; tab++)
        {
            Assert.Equal(200, (await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", $"bob-tab{tab}=", authorizerContext: bob, query: Room("lobby")))).StatusCode());
        }

        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("members", "ada-conn=", """{"action":"members"}""", ada));
        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("history", "bob-tab5=", """{"action":"history"}""", bob));
        const int sent = 30;
        for (var i = 0; i < sent; i++)
        {
            await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("sendMessage", "ada-conn=", $$"""{"action":"sendMessage","text":"flood {{i}}"}""", ada));
        }

        var toAda = managementApi.Requests.Where(request => request.Path == "/prod/@connections/ada-conn=").Select(request => JsonNode.Parse(request.Body)!).ToList();
        var members = Assert.Single(toAda, frame => frame["type"]!.GetValue<string>() == "members");
        Assert.Equal(["Ada", "Bob"], members["members"]!.AsArray().Select(member => member!["displayName"]!.GetValue<string>()));
        // Bob's first tab was announced once; his other tabs were not.
        Assert.Single(toAda, frame => frame["type"]!.GetValue<string>() == "presence");
        // A full bucket of 10 and 5 a second after it: thirty at once cannot all pass, and only what passed is stored.
        var limited = toAda.Where(frame => frame["code"]?.GetValue<string>() == "rate_limited").ToList();
        Assert.InRange(limited.Count, 1, sent - 10);
        Assert.All(limited, frame => Assert.InRange(frame["retryAfterMs"]!.GetValue<long>(), 1, 200));
        Assert.Equal(sent - limited.Count, (await TestTables.SnapshotAsync(messagesTable)).Count);
        // The sixth tab is over the cap: its first frame is answered with the reason, then the connection is closed
        // through the Management API client's DeleteConnection, signed as every request is.
        var toSixth = managementApi.Requests.Where(request => request.Path == "/prod/@connections/bob-tab5=").ToList();
        Assert.Equal(["POST", "DELETE"], toSixth.Select(request => request.Method));
        Assert.Equal("too_many_connections", JsonNode.Parse(toSixth[0].Body)!["code"]!.GetValue<string>());
        Assert.All(toSixth, request => Assert.StartsWith("AWS4-HMAC-SHA256 Credential=", request.Headers["Authorization"], StringComparison.Ordinal));
    }

    /// <summary>
    /// API Gateway names a gone connection's error (x-amzn-ErrorType: GoneException), and the SDK's client raises
    /// GoneException only then; a bare 410 arrives as its base exception. Either way the connection is gone: its record
    /// and presence entry are removed, and the 410 is not retried.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_connection_the_management_api_reports_gone_is_removed_whether_or_not_the_answer_names_GoneException(bool named)
    {
        await SeedConnectionAsync("bob-old=", "bob-sub", "lobby", DateTimeOffset.UtcNow - StaleConnections.Opening - TimeSpan.FromMinutes(1));
        managementApi.Respond = request => Task.FromResult<IResult>(
            request.Path == "/prod/@connections/bob-old=" ? new ManagementApiError(StatusCodes.Status410Gone, named ? "GoneException" : null) : Results.Ok());

        // Ada's arrival is announced to Bob's connection, which the gateway no longer has.
        Assert.Equal(200, (await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "ada-conn=", authorizerContext: Context("ada-sub", "Ada"), query: Room("lobby")))).StatusCode());

        Assert.Single(managementApi.Requests, request => request.Path == "/prod/@connections/bob-old=");
        Assert.Null(await TestTables.GetItemAsync(table, "connectionId", "bob-old="));
        var presence = await TestTables.GetItemAsync(table, "connectionId", PresenceRepository.KeyPrefix + "bob-sub");
        Assert.Equal("0", presence!["connections"].N);
        Assert.NotNull(await TestTables.GetItemAsync(table, "connectionId", "ada-conn="));
    }

    /// <summary>
    /// The Management API client retries a throttled (429, LimitExceededException) or failing (5xx) post, signed again:
    /// the member receives the frame, within the broadcast's per-post budget.
    /// </summary>
    [Theory]
    [InlineData(StatusCodes.Status429TooManyRequests, "LimitExceededException")]
    [InlineData(StatusCodes.Status503ServiceUnavailable, null)]
    public async Task A_throttled_or_failing_post_is_retried_by_the_client_not_lost(int status, string? errorType)
    {
        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "ada-conn=", authorizerContext: Context("ada-sub", "Ada"), query: Room("lobby")));
        var refusedOnce = 0;
        managementApi.Respond = request => Task.FromResult<IResult>(
            request.Path == "/prod/@connections/ada-conn=" && Interlocked.Exchange(ref refusedOnce, 1) == 0 ? new ManagementApiError(status, errorType) : Results.Ok());

        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "bob-conn=", authorizerContext: Context("bob-sub", "Bob"), query: Room("lobby")));

        var toAda = managementApi.Requests.Where(request => request.Path == "/prod/@connections/ada-conn=").ToList();
        Assert.Equal(2, toAda.Count); // the refused attempt, then the retry
        Assert.Equal(toAda[0].Body, toAda[1].Body);
        Assert.Equal("bob-sub", JsonNode.Parse(toAda[1].Body)!["user"]!["userId"]!.GetValue<string>());
        Assert.All(toAda, request => Assert.StartsWith("AWS4-HMAC-SHA256 Credential=", request.Headers["Authorization"], StringComparison.Ordinal));
        Assert.DoesNotContain(await chat.SettledOutputAsync(), line => line.Contains("Could not deliver", StringComparison.Ordinal));
    }

    /// <summary>A connection of <paramref name="room"/> stored as $connect stores it, at <paramref name="connectedAt"/>.</summary>
    private async Task SeedConnectionAsync(string connectionId, string userId, string room, DateTimeOffset connectedAt)
    {
        using var dynamoDb = await DynamoDbEndpoint.ClientAsync();
        var options = Microsoft.Extensions.Options.Options.Create(new ChatOptions { TableName = table });
        var cancel = TestContext.Current.CancellationToken;
        await new ConnectionRepository(dynamoDb, options, TimeProvider.System).AddAsync(new Connection(connectionId, userId, userId, room, connectedAt), Samples.BuildingBlocks.Data.WriteToken.New(connectedAt), cancel);
        await new PresenceRepository(dynamoDb, options, TimeProvider.System).EnterAsync(userId, connectionId, room, cancel);
    }

    [Fact]
    public async Task A_fan_out_that_cannot_read_the_room_names_that_record_for_a_retry_and_an_empty_batch_is_healthy()
    {
        await using var broken = await LambdaFunction.StartAsync("Chat.Fanout", "Chat.Fanout", "ChatFanoutFunction", await FanOutEnvironmentAsync("ConnectionsTable-that-was-never-created"));
        var record = new JsonObject
        {
            ["eventID"] = "1",
            ["eventName"] = "INSERT",
            ["eventVersion"] = "1.1",
            ["eventSource"] = "aws:dynamodb",
            ["awsRegion"] = "us-east-1",
            ["dynamodb"] = new JsonObject
            {
                ["ApproximateCreationDateTime"] = 1796279400,
                ["Keys"] = new JsonObject { ["room"] = new JsonObject { ["S"] = "lobby" }, ["id"] = new JsonObject { ["S"] = "019a7c1e5a2b7c3d8e4f0123456789ab" } },
                ["NewImage"] = new JsonObject
                {
                    ["room"] = new JsonObject { ["S"] = "lobby" },
                    ["id"] = new JsonObject { ["S"] = "019a7c1e5a2b7c3d8e4f0123456789ab" },
                    ["userId"] = new JsonObject { ["S"] = "ada-sub" },
                    ["displayName"] = new JsonObject { ["S"] = "Ada" },
                    ["text"] = new JsonObject { ["S"] = "hello" },
                    ["sentAt"] = new JsonObject { ["S"] = "2026-12-03T06:00:00.0000000Z" },
                    ["expiresAt"] = new JsonObject { ["N"] = "1796884200" },
                },
                ["SequenceNumber"] = "4100000000001",
                ["SizeBytes"] = 120,
                ["StreamViewType"] = "NEW_IMAGE",
            },
            ["eventSourceARN"] = "arn:aws:dynamodb:us-east-1:123456789012:table/MessagesTable/stream/2026-12-03T00:00:00.000",
        };

        var failed = await broken.InvokeForAnswerAsync(new JsonObject { ["Records"] = new JsonArray(record) });
        var healthy = await broken.InvokeAsync(JsonNode.Parse(HealthCheck.Event(HealthTarget.StreamConsumer, "pretraffic-fanout"))!);

        Assert.Equal("4100000000001", failed["batchItemFailures"]![0]!["itemIdentifier"]!.GetValue<string>());
        Assert.Null(HealthCheck.Verdict(HealthTarget.StreamConsumer, healthy.ErrorType, healthy.Payload));
    }

    /// <summary>An EMF metric's value: one number, or the values of each time it was counted in the invocation.</summary>
    private static double Total(JsonNode? value) => value switch
    {
        null => 0,
        JsonArray values => values.Sum(entry => entry!.GetValue<double>()),
        _ => value.GetValue<double>(),
    };

    private static async Task<string> InvokeAsync(LambdaFunction function, string eventJson)
    {
        var result = await function.InvokeAsync(JsonNode.Parse(eventJson)!);
        return result.Succeeded ? result.Payload : throw new InvalidOperationException($"{result.ErrorType}: {result.Payload}");
    }

    private List<(string Path, JsonNode Frame)> MessagePosts() =>
        [.. managementApi.Requests.Where(request => request.Method == "POST" && request.Body.Contains("\"type\":\"message\"", StringComparison.Ordinal))
            .Select(request => (request.Path, JsonNode.Parse(request.Body)!))];

    /// <summary>As the template sets the fan-out's: Chat's tables and the Management API endpoint (here the recorder).</summary>
    private Task<Dictionary<string, string>> FanOutEnvironmentAsync(string connectionsTable) => LambdaFunction.AppEnvironmentAsync("chat-fanout", new Dictionary<string, string>
    {
        ["Chat__TableName"] = connectionsTable,
        ["Chat__MessagesTableName"] = messagesTable,
        ["Chat__ConnectionsEndpoint"] = new Uri(managementApi.Url, "prod").ToString(),
    }, Authority);

    [Fact]
    public async Task Join_room_default_and_invalid_frames_are_answered_to_the_sender_alone()
    {
        var ada = Context("ada-sub", "Ada");
        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "ada-conn=", authorizerContext: ada, query: Room("lobby")));

        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("joinRoom", "ada-conn=", """{"action":"joinRoom","room":"kitchen"}""", ada));
        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$default", "ada-conn=", """{"action":"dance"}""", ada));
        await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("sendMessage", "ada-conn=", """{"action":"sendMessage","text":""}""", ada));

        var frames = managementApi.Requests.Select(request => (request.Path, Frame: JsonNode.Parse(request.Body)!)).ToList();
        Assert.All(frames, frame => Assert.Equal("/prod/@connections/ada-conn=", frame.Path));
        Assert.Equal(["joined", "history", "error", "error"], frames.Select(frame => frame.Frame["type"]!.GetValue<string>()));
        Assert.Equal("kitchen", frames[0].Frame["room"]!.GetValue<string>());
        Assert.Equal("kitchen", frames[1].Frame["room"]!.GetValue<string>());
        Assert.Equal(["unknown_action", "invalid_frame"], frames.Skip(2).Select(frame => frame.Frame["code"]!.GetValue<string>()));
        Assert.Equal("kitchen", (await TestTables.GetItemAsync(table, "connectionId", "ada-conn="))!["room"].S);
    }

    [Fact]
    public async Task A_handshake_without_the_authorizers_context_is_refused_with_403_and_stores_nothing()
    {
        var refused = await chat.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "anon-conn=", query: Room("lobby")));

        Assert.Equal(403, refused.StatusCode());
        Assert.Empty(await TestTables.SnapshotAsync(table));
    }

    [Fact]
    public async Task The_pretraffic_hooks_health_event_reaches_chats_health_check_and_a_broken_version_fails_it()
    {
        var healthEvent = JsonNode.Parse(HealthCheck.Event(HealthTarget.WebSocketApi, "pretraffic-d-1"))!;

        var healthy = await chat.InvokeAsync(healthEvent);
        await using var broken = await LambdaFunction.StartAsync("Chat", "Chat", "ChatFunction", await ChatEnvironmentAsync("ConnectionsTable-that-was-never-created"));
        var unhealthy = await broken.InvokeAsync(healthEvent);

        Assert.Null(HealthCheck.Verdict(HealthTarget.WebSocketApi, healthy.ErrorType, healthy.Payload));
        Assert.Contains("503", HealthCheck.Verdict(HealthTarget.WebSocketApi, unhealthy.ErrorType, unhealthy.Payload), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_SnapStart_the_warm_up_is_a_disconnect_event_of_no_stored_connection_that_changes_nothing_and_posts_nothing()
    {
        var environment = await ChatEnvironmentAsync(table);
        environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start";
        await using var snapStart = await LambdaFunction.StartAsync("Chat", "Chat", "ChatFunction", environment);
        var connected = await snapStart.InvokeForAnswerAsync(GatewayEvents.WebSocket("$connect", "conn-after-restore=", authorizerContext: Context("ada-sub", "Ada"), query: Room("lobby")));

        Assert.Equal(Enumerable.Repeat("POST /$disconnect answered 200", SnapStartWarmUp.Rounds), LambdaLogs.WarmUpAnswers(await snapStart.SettledOutputAsync()));
        Assert.Equal(200, connected.StatusCode()); // the first event after the restore
        var items = await TestTables.SnapshotAsync(table);
        Assert.Contains(items, item => item.Contains("conn-after-restore=", StringComparison.Ordinal));
        Assert.DoesNotContain(items, item => item.Contains(SnapStartWarmUp.Subject, StringComparison.Ordinal));
        Assert.Empty(managementApi.Requests);
    }

    /// <summary>As the template sets Chat's: the Management API endpoint of the API's stage (here the recorder).</summary>
    private Task<Dictionary<string, string>> ChatEnvironmentAsync(string connectionsTable) => LambdaFunction.AppEnvironmentAsync("chat", new Dictionary<string, string>
    {
        ["Chat__TableName"] = connectionsTable,
        ["Chat__MessagesTableName"] = messagesTable,
        ["Chat__ConnectionsEndpoint"] = new Uri(managementApi.Url, "prod").ToString(),
    }, Authority);

    private static Dictionary<string, string> Context(string userId, string displayName) => new() { ["userId"] = userId, ["displayName"] = displayName };

    private static Dictionary<string, string> Room(string room) => new() { ["room"] = room };
}
