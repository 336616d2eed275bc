using Amazon.Runtime;

namespace Samples.Testing;

/// <summary>
/// The DynamoDB client's HTTP, with answers lost on purpose: a chosen operation's request reaches DynamoDB Local
/// (the write lands), then the attempt fails as a timed-out attempt would, so the SDK retries it. Or a stall: a chosen
/// operation hangs, having reached DynamoDB or not, until <see cref="Release"/> (each attempt until the SDK's attempt
/// timeout gives up on it). Registered as the app's <see cref="HttpClientFactory"/> (DynamoDbSetup uses one from the container).
/// </summary>
public sealed class LostAnswers : HttpClientFactory
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, (int Count, string? Table)> toLose = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (bool Lands, string? Table)> stalled = new(StringComparer.Ordinal);
    private TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The operation name that stalls every operation.</summary>
    public const string AnyOperation = "*";

    /// <summary>How many attempts hung in stalls since the last <see cref="Release"/>.</summary>
    public int StalledAttempts { get; private set; }

    /// <summary>
    /// Hangs every attempt of <paramref name="operation"/> (on <paramref name="table"/> only, when given) until
    /// <see cref="Release"/>: after it reached DynamoDB (<paramref name="lands"/>: a write lands, its answer never comes)
    /// or before (nothing happens).
    /// </summary>
    public LostAnswers Stall(string operation, bool lands, string? table = null)
    {
        lock (gate)
        {
            stalled[operation] = (lands, table);
        }

        return this;
    }

    /// <summary>Ends every stall: hung attempts go on, and later ones pass.</summary>
    public void Release()
    {
        lock (gate)
        {
            stalled.Clear();
            StalledAttempts = 0;
            released.TrySetResult();
            released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private (bool Lands, Task Released)? StallOf(string operation, string body)
    {
        lock (gate)
        {
            if (!(stalled.TryGetValue(operation, out var rule) || stalled.TryGetValue(AnyOperation, out rule)) || (rule.Table is not null && !body.Contains($"\"{rule.Table}\"", StringComparison.Ordinal)))
            {
                return null;
            }

            StalledAttempts++;
            return (rule.Lands, released.Task);
        }
    }

    /// <summary>How many answers were lost since the last <see cref="Lose"/> of the operation (PutItem, UpdateItem, TransactWriteItems...).</summary>
    public Dictionary<string, int> Lost { get; } = new(StringComparer.Ordinal);

    /// <summary>Loses the answers of the next <paramref name="count"/> attempts of <paramref name="operation"/> (on <paramref name="table"/> only, when given).</summary>
    public LostAnswers Lose(string operation, int count = 1, string? table = null)
    {
        lock (gate)
        {
            toLose[operation] = (count, table);
            Lost[operation] = 0;
        }

        return this;
    }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Handler(this));

    private bool ShouldLose(string operation, string body)
    {
        lock (gate)
        {
            if (!toLose.TryGetValue(operation, out var rule) || rule.Count == 0
                || (rule.Table is not null && !body.Contains($"\"{rule.Table}\"", StringComparison.Ordinal)))
            {
                return false;
            }

            toLose[operation] = (rule.Count - 1, rule.Table);
            Lost[operation] = Lost.GetValueOrDefault(operation) + 1;
            return true;
        }
    }

    private sealed class Handler(LostAnswers owner) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // "DynamoDB_20120810.PutItem": the operation, as the SDK names it in X-Amz-Target.
            var operation = request.Headers.TryGetValues("X-Amz-Target", out var targets) ? targets.Single().Split('.')[^1] : "";
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            if (owner.StallOf(operation, body) is { } stall)
            {
                if (stall.Lands)
                {
                    (await base.SendAsync(request, cancellationToken)).Dispose();
                }

                // Cancelled by the SDK's attempt timeout (its retry stalls again), or released.
                await stall.Released.WaitAsync(cancellationToken);
                if (stall.Lands)
                {
                    throw new TaskCanceledException($"{operation}: the answer was lost in a stall (test).", new TimeoutException());
                }
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (owner.ShouldLose(operation, body))
            {
                response.Dispose();
                // What HttpClient throws when its Timeout passes: the SDK treats it as a timed-out attempt and retries.
                throw new TaskCanceledException($"{operation}: the answer was lost (test).", new TimeoutException());
            }

            return response;
        }
    }
}
