using System.Net;
using System.Net.Http.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Samples.ServiceDefaults;

namespace Samples.Users.Tests;

/// <summary>
/// The requests SnapStart runs before the snapshot (LambdaHosting.SnapshotWarmupRequests, registered with
/// AddAWSLambdaBeforeSnapshotRequest in Lambda) really warm what a first request needs: the pipeline, DynamoDB
/// and the token validator with the pool's signing keys. They are answered without a 5xx, they can be repeated,
/// and they change nothing. The cold-start flag is re-armed after a restore.
/// </summary>
public sealed class SnapshotWarmupTests
{
    [Fact]
    public async Task Warm_up_requests_fetch_the_signing_keys_touch_DynamoDB_and_change_nothing()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var app = new UsersApp();
        await app.InitializeAsync();
        using (var owner = app.As("warm-sub"))
        using (var created = await owner.PostAsJsonAsync("/users", UsersApp.Body(), cancel))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // A fresh host of the same app, as Lambda's init phase starts one: nothing fetched, nothing cached yet.
        var issuer = new CountingIssuer();
        await using var watched = app.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options => options.BackchannelHttpHandler = issuer)));
        using var client = watched.CreateClient();
        var dynamoDb = watched.Services.GetRequiredService<IAmazonDynamoDB>();
        var before = await ItemsAsync(dynamoDb, app.Table, cancel);

        for (var round = 0; round < 3; round++) // the hosting library runs each warm-up several times
        {
            var answers = new List<HttpStatusCode>();
            foreach (var request in LambdaHosting.SnapshotWarmupRequests("/users/me"))
            {
                using var response = await client.SendAsync(request, cancel);
                answers.Add(response.StatusCode);
            }

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Unauthorized], answers);
        }

        Assert.Contains(issuer.Requests, uri => uri.EndsWith("/.well-known/jwks.json", StringComparison.Ordinal));
        Assert.Equal(before, await ItemsAsync(dynamoDb, app.Table, cancel));
    }

    [Fact]
    public void Warm_ups_are_this_apps_paths_and_health_alone_without_a_read_route()
    {
        Assert.Equal(3, LambdaHosting.WarmupToken.Split('.').Length);
        Assert.Throws<ArgumentException>(() => LambdaHosting.SnapshotWarmupRequests("https://example.com/users").ToList());
        Assert.Throws<ArgumentException>(() => LambdaHosting.SnapshotWarmupRequests("//example.com/users").ToList());
        Assert.Equal(["/health"], LambdaHosting.SnapshotWarmupRequests().Select(request => request.RequestUri!.OriginalString));
    }

    [Fact]
    public void The_cold_start_is_the_first_request_and_again_the_first_after_a_restore()
    {
        ColdStart.Of(new Microsoft.AspNetCore.Http.DefaultHttpContext()); // whatever ran before in this process
        var first = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        ColdStart.Rearm();
        Assert.True(ColdStart.Of(first));
        Assert.True(ColdStart.Of(first)); // the log keys and the metric ask for the same request
        Assert.False(ColdStart.Of(new Microsoft.AspNetCore.Http.DefaultHttpContext()));
        ColdStart.Rearm(); // SnapStart restore
        Assert.True(ColdStart.Of(new Microsoft.AspNetCore.Http.DefaultHttpContext()));
        Assert.True(ColdStart.Of(first));
    }

    private static async Task<string> ItemsAsync(IAmazonDynamoDB dynamoDb, string table, CancellationToken cancel)
    {
        var scan = await dynamoDb.ScanAsync(new ScanRequest { TableName = table, ConsistentRead = true }, cancel);
        return string.Join("\n", scan.Items.Select(item => string.Join(",", item.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key}={pair.Value.S}{pair.Value.N}"))).Order());
    }

    /// <summary>The test issuer, recording what the app fetched from it.</summary>
    private sealed class CountingIssuer : DelegatingHandler
    {
        public CountingIssuer()
            : base(new TestIssuer())
        {
        }

        public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Enqueue(request.RequestUri!.ToString());
            return base.SendAsync(request, cancellationToken);
        }
    }
}
